using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Metering.Api;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Subjects;

namespace Tollgate.Metering.Storage.Relational;

/// <summary>
/// The metering reads both SQL engines share: SQLite and PostgreSQL accept the same SQL here, with <c>@name</c>
/// parameters. A provider adds its connections, its writer session and the one expression that differs.
/// Times are UTC ticks in both; decimals are text in SQLite and <c>numeric</c> in PostgreSQL.
/// </summary>
internal abstract class RelationalMeteringStore : IMeteringStore
{
    internal const string MeterColumns = "num, id, slug, name, description, aggregation, event_type, value_property, group_by, event_from, metadata, created_at, updated_at, deleted_at, built_through_seq, ready";
    internal const string EventColumns = "seq, id, source, type, subject, time, data, dataschema, ingested_at";
    internal const string RollupColumns = "subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value";
    private const string SubjectColumns = "id, key, display_name, metadata, current_period_start, current_period_end, stripe_customer_id, created_at, updated_at, deleted_at";

    public abstract IMeteringWriteSession OpenWriteSession();

    /// <summary>An open connection for reads and short writes.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A condition that <paramref name="column"/> contains the text of <paramref name="parameter"/>.</summary>
    protected abstract string Contains(string column, string parameter);

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh connection, and once more on another when the first failed in a way
    /// a retry can fix: after a database failover, pooled connections fail on their first use.
    /// </summary>
    private async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken);
                return await work(connection);
            }
            catch (Exception exception) when (attempt == 1 && IsTransient(exception))
            {
                // The broken connection has left the pool; the next one is fresh.
            }
        }
    }

    public abstract bool SharedByNodes { get; }

    public abstract bool IsTransient(Exception exception);

    public async Task<StoredCatalog> LoadCatalogAsync(CancellationToken cancellationToken)
    {
        // The version first: the meters read after it are at least that recent, so a newer change is never missed.
        return await WithConnectionAsync(async connection =>
        {
            await using var version = Command(connection, CatalogVersionSql);
            var stored = (await ReadAllAsync(version, r => r.GetInt64(0), cancellationToken))[0];
            await using var command = Command(connection, $"SELECT {MeterColumns} FROM meters ORDER BY num");
            return new StoredCatalog(stored, await ReadAllAsync(command, ReadMeter, cancellationToken));
        }, cancellationToken);
    }

    public async Task<long> ReadCatalogVersionAsync(CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = Command(connection, CatalogVersionSql);
            return (await ReadAllAsync(command, r => r.GetInt64(0), cancellationToken))[0];
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<StoredEvent>> ListEventsAsync(EventFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return await WithConnectionAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            var where = new StringBuilder("1 = 1");
            void Add(string clause, string name, object? value)
            {
                if (value is not null)
                {
                    where.Append(" AND ").Append(clause);
                    Parameter(command, name, value);
                }
            }

            Add(Contains("id", "@idLike"), "@idLike", filter.IdContains);
            Add(Contains("subject", "@subjectLike"), "@subjectLike", filter.SubjectContains);
            Add("id = @id", "@id", filter.IdEquals);
            Add("source = @source", "@source", filter.SourceEquals);
            Add("subject = @subject", "@subject", filter.SubjectEquals);
            Add("type = @type", "@type", filter.TypeEquals);
            Add("time >= @timeFrom", "@timeFrom", filter.TimeFrom);
            Add("time <= @timeTo", "@timeTo", filter.TimeTo);
            Add("ingested_at >= @ingestedFrom", "@ingestedFrom", filter.IngestedFrom);
            Add("ingested_at <= @ingestedTo", "@ingestedTo", filter.IngestedTo);
            if (filter.After is { } after)
            {
                where.Append(" AND (time < @afterTime OR (time = @afterTime AND seq < @afterSeq))");
                Parameter(command, "@afterTime", after.TimeTicks);
                Parameter(command, "@afterSeq", after.Seq);
            }

            command.CommandText = $"SELECT {EventColumns} FROM events WHERE {where} ORDER BY time DESC, seq DESC LIMIT @limit";
            Parameter(command, "@limit", (long)filter.Limit);
            return await ReadAllAsync(command, ReadEvent, cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<RollupRow>> ReadRollupsAsync(long meterNumber, RollupLevel level, long from, long to, IReadOnlyList<string>? subjects, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {RollupColumns} FROM meter_rollups
                WHERE meter_num = @meter AND level = @level AND bucket_start >= @from AND bucket_start < @to{SubjectClause(command, subjects)}
                """;
            Parameters(command, ("@meter", meterNumber), ("@level", (long)level), ("@from", from), ("@to", to));
            return await ReadAllAsync(command, ReadRollupRow, cancellationToken);
        }, cancellationToken);
    }

    public async Task<RollupCoverage> ReadCoverageAsync(CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = Command(connection, CoverageSql);
            return (await ReadAllAsync(command, ReadCoverage, cancellationToken)) is [var coverage] ? coverage : RollupCoverage.None;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<DistinctValueRow>> ReadDistinctValuesAsync(long meterNumber, long from, long to, IReadOnlyList<string>? subjects, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT subject, bucket_start, group_key, value FROM meter_distinct_values
                WHERE meter_num = @meter AND bucket_start >= @from AND bucket_start < @to{SubjectClause(command, subjects)}
                """;
            Parameters(command, ("@meter", meterNumber), ("@from", from), ("@to", to));
            return await ReadAllAsync(command, r => new DistinctValueRow(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3)), cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<EventRecord>> ReadEventsAsync(string type, long from, long to, IReadOnlyList<string>? subjects, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {EventColumns} FROM events WHERE type = @type AND time >= @from AND time < @to{SubjectClause(command, subjects)} ORDER BY seq";
            Parameters(command, ("@type", type), ("@from", from), ("@to", to));
            return await ReadAllAsync(command, r => ReadEvent(r).Event, cancellationToken);
        }, cancellationToken);
    }

    public async Task<(long First, long End)?> GetDataSpanAsync(long meterNumber, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = Command(connection, $"""
                SELECT MIN(bucket_start), MAX(bucket_start) FROM meter_rollups WHERE meter_num = @meter AND level = {(int)RollupLevel.Minute}
                UNION ALL
                SELECT MIN(bucket_start), MAX(bucket_start) FROM meter_distinct_values WHERE meter_num = @meter
                """, ("@meter", meterNumber));
            (long First, long End)? span = null;
            foreach (var (first, last) in await ReadAllAsync(command, r => r.IsDBNull(0) ? (0L, -1L) : (r.GetInt64(0), r.GetInt64(1)), cancellationToken))
            {
                if (last >= first)
                {
                    var end = last + TimeSpan.TicksPerMinute;
                    span = span is { } s ? (Math.Min(s.First, first), Math.Max(s.End, end)) : (first, end);
                }
            }

            return span;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListMeterSubjectsAsync(long meterNumber, long? from, long? to, CancellationToken cancellationToken) =>
        ReadStringsAsync("subject", meterNumber, from, to, cancellationToken);

    public Task<IReadOnlyList<string>> ListGroupKeysAsync(long meterNumber, long? from, long? to, CancellationToken cancellationToken) =>
        ReadStringsAsync("group_key", meterNumber, from, to, cancellationToken);

    public async Task<IReadOnlyList<Subject>> ListSubjectsAsync(CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = Command(connection, $"SELECT {SubjectColumns} FROM subjects WHERE deleted_at IS NULL ORDER BY key");
            return await ReadAllAsync(command, ReadSubject, cancellationToken);
        }, cancellationToken);
    }

    public async Task<Subject?> GetSubjectAsync(string idOrKey, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            return await FindSubjectAsync(connection, null, idOrKey, cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<Subject>> UpsertSubjectsAsync(IReadOnlyList<SubjectUpsert> subjects, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        return await WithConnectionAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = new List<Subject>(subjects.Count);
            foreach (var upsert in subjects)
            {
                var existing = await FindSubjectAsync(connection, transaction, upsert.Key!, cancellationToken);
                var subject = new Subject
                {
                    Id = existing?.Id ?? Ulid.NewUlid(now).ToString(),
                    Key = upsert.Key!,
                    DisplayName = upsert.DisplayName,
                    Metadata = upsert.Metadata,
                    CurrentPeriodStart = upsert.CurrentPeriodStart,
                    CurrentPeriodEnd = upsert.CurrentPeriodEnd,
                    StripeCustomerId = upsert.StripeCustomerId,
                    CreatedAt = existing?.CreatedAt ?? now,
                    UpdatedAt = now,
                };
                await using var command = Command(connection, """
                    INSERT INTO subjects (id, key, display_name, metadata, current_period_start, current_period_end, stripe_customer_id, created_at, updated_at)
                    VALUES (@id, @key, @name, @metadata, @start, @end, @stripe, @created, @updated)
                    ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, metadata = excluded.metadata,
                        current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
                        stripe_customer_id = excluded.stripe_customer_id, updated_at = excluded.updated_at
                    """,
                    ("@id", subject.Id), ("@key", subject.Key), ("@name", subject.DisplayName),
                    ("@metadata", subject.Metadata is null ? null : JsonSerializer.Serialize(upsert.Metadata, MeteringJsonContext.Default.DictionaryStringString)),
                    ("@start", subject.CurrentPeriodStart?.UtcTicks), ("@end", subject.CurrentPeriodEnd?.UtcTicks), ("@stripe", subject.StripeCustomerId),
                    ("@created", subject.CreatedAt.UtcTicks), ("@updated", subject.UpdatedAt.UtcTicks));
                command.Transaction = transaction;
                await command.ExecuteNonQueryAsync(cancellationToken);
                result.Add(subject);
            }

            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);
    }

    public async Task<bool> DeleteSubjectAsync(string idOrKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync(async connection =>
        {
            await using var command = Command(connection, "UPDATE subjects SET deleted_at = @now, updated_at = @now WHERE deleted_at IS NULL AND (id = @key OR key = @key)",
                ("@now", now.UtcTicks), ("@key", idOrKey));
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        }, cancellationToken);
    }

    internal const string CoverageSql = "SELECT hours_before, days_before FROM rollup_coverage";

    internal const string CatalogVersionSql = "SELECT version FROM meter_catalog";

    internal const string StateSql = "SELECT (SELECT version FROM meter_catalog), (SELECT hours_before FROM rollup_coverage), (SELECT days_before FROM rollup_coverage)";

    internal const string SaveCoverageSql = """
        INSERT INTO rollup_coverage (id, hours_before, days_before) VALUES (1, @hours, @days)
        ON CONFLICT (id) DO UPDATE SET hours_before = excluded.hours_before, days_before = excluded.days_before
        """;

    internal const string InsertMeterSql = """
        INSERT INTO meters (num, id, slug, name, description, aggregation, event_type, value_property, group_by, event_from, metadata,
                            created_at, updated_at, deleted_at, built_through_seq, ready)
        VALUES (@num, @id, @slug, @name, @description, @aggregation, @eventType, @valueProperty, @groupBy, @eventFrom, @metadata,
                @created, @updated, @deleted, @built, @ready)
        """;

    internal const string UpdateMeterSql = """
        UPDATE meters SET name = @name, description = @description, group_by = @groupBy, metadata = @metadata,
            updated_at = @updated, deleted_at = @deleted, built_through_seq = @built, ready = @ready
        WHERE num = @num
        """;

    internal const string ReadEventsForBuildSql = $"""
        SELECT {EventColumns} FROM events
        WHERE seq > @after AND seq <= @through AND type = @type ORDER BY seq LIMIT @limit
        """;

    internal static (string, object?)[] MeterParameters(Meter meter) =>
    [
        ("@num", meter.Number), ("@id", meter.Id), ("@slug", meter.Slug), ("@name", meter.Name), ("@description", meter.Description),
        ("@aggregation", meter.Aggregation.ToString()), ("@eventType", meter.EventType), ("@valueProperty", meter.ValueProperty),
        ("@groupBy", JsonSerializer.Serialize(meter.GroupBy.ToDictionary(StringComparer.Ordinal), MeteringJsonContext.Default.DictionaryStringString)),
        ("@eventFrom", meter.EventFrom?.UtcTicks),
        ("@metadata", meter.Metadata is null ? null : JsonSerializer.Serialize(meter.Metadata.ToDictionary(StringComparer.Ordinal), MeteringJsonContext.Default.DictionaryStringString)),
        ("@created", meter.CreatedAt.UtcTicks), ("@updated", meter.UpdatedAt.UtcTicks), ("@deleted", meter.DeletedAt?.UtcTicks),
        ("@built", meter.BuiltThroughSeq), ("@ready", meter.Ready ? 1L : 0L),
    ];

    /// <summary>A command with <c>@name</c> parameters; null values are sent as SQL NULL.</summary>
    internal static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Parameters(command, parameters);
        return command;
    }

    internal static void Parameters(DbCommand command, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            Parameter(command, name, value);
        }
    }

    internal static void Parameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    internal static async Task<List<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>Text (SQLite) or <c>numeric</c> (PostgreSQL) to a decimal, keeping its scale.</summary>
    internal static decimal? ReadDecimal(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal)
        ? null
        : reader.GetValue(ordinal) switch
        {
            decimal value => value,
            string text => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            var other => Convert.ToDecimal(other, CultureInfo.InvariantCulture),
        };

    /// <summary>A row selected as <see cref="RollupColumns"/>.</summary>
    internal static RollupRow ReadRollupRow(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1),
        reader.GetString(2),
        new AggregateState
        {
            Count = reader.GetInt64(3),
            Sum = ReadDecimal(reader, 4) ?? 0m,
            Min = ReadDecimal(reader, 5),
            Max = ReadDecimal(reader, 6),
            LatestTicks = reader.IsDBNull(7) ? 0 : reader.GetInt64(7),
            Latest = ReadDecimal(reader, 8),
        });

    internal static RollupCoverage ReadCoverage(DbDataReader reader) => new(reader.GetInt64(0), reader.GetInt64(1));

    /// <summary>A row selected as <see cref="EventColumns"/>.</summary>
    internal static StoredEvent ReadEvent(DbDataReader reader) => new(
        reader.GetInt64(0),
        new EventRecord(
            reader.GetString(1),
            reader.GetString(2),
            reader.GetString(3),
            reader.GetString(4),
            reader.GetInt64(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetString(7)),
        reader.GetInt64(8));

    internal static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);

    private async Task<IReadOnlyList<string>> ReadStringsAsync(string column, long meterNumber, long? from, long? to, CancellationToken cancellationToken)
    {
        // Minute buckets answer exact ranges. Without a range, the compacted days are enough and far fewer, and
        // minutes cover what is not compacted yet.
        var rollups = from is null && to is null
            ? $"""
                SELECT {column} FROM meter_rollups WHERE meter_num = @meter AND level = {(int)RollupLevel.Day}
                UNION ALL
                SELECT {column} FROM meter_rollups WHERE meter_num = @meter AND level = {(int)RollupLevel.Minute}
                    AND bucket_start >= COALESCE((SELECT days_before FROM rollup_coverage), @from)
                """
            : $"SELECT {column} FROM meter_rollups WHERE meter_num = @meter AND level = {(int)RollupLevel.Minute} AND bucket_start >= @from AND bucket_start < @to";
        return await WithConnectionAsync(async connection =>
        {
            await using var command = Command(connection, $"""
                SELECT DISTINCT {column} FROM (
                    {rollups}
                    UNION ALL
                    SELECT {column} FROM meter_distinct_values WHERE meter_num = @meter AND bucket_start >= @from AND bucket_start < @to) AS v
                ORDER BY 1
                """,
                ("@meter", meterNumber), ("@from", from is { } f ? Rollups.BucketStart(RollupLevel.Minute, f) : long.MinValue), ("@to", to ?? long.MaxValue));
            return await ReadAllAsync(command, r => r.GetString(0), cancellationToken);
        }, cancellationToken);
    }

    private static async Task<Subject?> FindSubjectAsync(DbConnection connection, DbTransaction? transaction, string idOrKey, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, $"SELECT {SubjectColumns} FROM subjects WHERE deleted_at IS NULL AND (id = @key OR key = @key) ORDER BY key = @key DESC LIMIT 1", ("@key", idOrKey));
        command.Transaction = transaction;
        return (await ReadAllAsync(command, ReadSubject, cancellationToken)) is [var subject] ? subject : null;
    }

    private static string SubjectClause(DbCommand command, IReadOnlyList<string>? subjects)
    {
        if (subjects is null)
        {
            return string.Empty;
        }

        var names = new StringBuilder(" AND subject IN (");
        for (var i = 0; i < subjects.Count; i++)
        {
            var name = "@s" + i.ToString(CultureInfo.InvariantCulture);
            names.Append(i == 0 ? string.Empty : ", ").Append(name);
            Parameter(command, name, subjects[i]);
        }

        return names.Append(')').ToString();
    }

    private static Meter ReadMeter(DbDataReader reader)
    {
        var groupBy = JsonSerializer.Deserialize(reader.GetString(8), MeteringJsonContext.Default.DictionaryStringString)!;
        return new Meter
        {
            Number = reader.GetInt64(0),
            Id = reader.GetString(1),
            Slug = reader.GetString(2),
            Name = reader.GetString(3),
            Description = reader.IsDBNull(4) ? null : reader.GetString(4),
            Aggregation = Enum.Parse<MeterAggregation>(reader.GetString(5)),
            EventType = reader.GetString(6),
            ValueProperty = reader.IsDBNull(7) ? null : reader.GetString(7),
            GroupBy = [.. groupBy.OrderBy(g => g.Key, StringComparer.Ordinal)],
            EventFrom = reader.IsDBNull(9) ? null : Ticks(reader.GetInt64(9)),
            Metadata = reader.IsDBNull(10) ? null : JsonSerializer.Deserialize(reader.GetString(10), MeteringJsonContext.Default.DictionaryStringString),
            CreatedAt = Ticks(reader.GetInt64(11)),
            UpdatedAt = Ticks(reader.GetInt64(12)),
            DeletedAt = reader.IsDBNull(13) ? null : Ticks(reader.GetInt64(13)),
            BuiltThroughSeq = reader.GetInt64(14),
            Ready = reader.GetInt64(15) != 0,
        };
    }

    private static Subject ReadSubject(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Key = reader.GetString(1),
        DisplayName = reader.IsDBNull(2) ? null : reader.GetString(2),
        Metadata = reader.IsDBNull(3) ? null : JsonSerializer.Deserialize(reader.GetString(3), MeteringJsonContext.Default.DictionaryStringString),
        CurrentPeriodStart = reader.IsDBNull(4) ? null : Ticks(reader.GetInt64(4)),
        CurrentPeriodEnd = reader.IsDBNull(5) ? null : Ticks(reader.GetInt64(5)),
        StripeCustomerId = reader.IsDBNull(6) ? null : reader.GetString(6),
        CreatedAt = Ticks(reader.GetInt64(7)),
        UpdatedAt = Ticks(reader.GetInt64(8)),
        DeletedAt = reader.IsDBNull(9) ? null : Ticks(reader.GetInt64(9)),
    };
}
