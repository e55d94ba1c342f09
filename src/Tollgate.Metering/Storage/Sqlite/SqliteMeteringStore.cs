using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tollgate.Metering.Api;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Subjects;
using Tollgate.Store;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>The metering store on the embedded SQLite file.</summary>
internal sealed class SqliteMeteringStore(SqliteStore store) : IMeteringStore
{
    private const string MeterColumns = "num, id, slug, name, description, aggregation, event_type, value_property, group_by, event_from, metadata, created_at, updated_at, deleted_at, built_through_seq, ready";
    private const string EventColumns = "seq, id, source, type, subject, time, data, dataschema, ingested_at";
    private const string SubjectColumns = "id, key, display_name, metadata, current_period_start, current_period_end, stripe_customer_id, created_at, updated_at, deleted_at";

    public Task<IReadOnlyList<Meter>> LoadMetersAsync(CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {MeterColumns} FROM meters ORDER BY num";
        var meters = new List<Meter>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            meters.Add(ReadMeter(reader));
        }

        return Task.FromResult<IReadOnlyList<Meter>>(meters);
    }

    public IMeteringWriteSession OpenWriteSession() => new SqliteMeteringWriteSession(store.OpenWriter());

    public Task<IReadOnlyList<StoredEvent>> ListEventsAsync(EventFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        var where = new StringBuilder("1 = 1");
        void Add(string clause, string name, object value)
        {
            where.Append(" AND ").Append(clause);
            command.Parameters.AddWithValue(name, value);
        }

        if (filter.IdContains is { } idLike)
        {
            Add("instr(id, $idLike) > 0", "$idLike", idLike);
        }

        if (filter.SubjectContains is { } subjectLike)
        {
            Add("instr(subject, $subjectLike) > 0", "$subjectLike", subjectLike);
        }

        if (filter.IdEquals is { } id)
        {
            Add("id = $id", "$id", id);
        }

        if (filter.SourceEquals is { } source)
        {
            Add("source = $source", "$source", source);
        }

        if (filter.SubjectEquals is { } subject)
        {
            Add("subject = $subject", "$subject", subject);
        }

        if (filter.TypeEquals is { } type)
        {
            Add("type = $type", "$type", type);
        }

        if (filter.TimeFrom is { } timeFrom)
        {
            Add("time >= $timeFrom", "$timeFrom", timeFrom);
        }

        if (filter.TimeTo is { } timeTo)
        {
            Add("time <= $timeTo", "$timeTo", timeTo);
        }

        if (filter.IngestedFrom is { } ingestedFrom)
        {
            Add("ingested_at >= $ingestedFrom", "$ingestedFrom", ingestedFrom);
        }

        if (filter.IngestedTo is { } ingestedTo)
        {
            Add("ingested_at <= $ingestedTo", "$ingestedTo", ingestedTo);
        }

        if (filter.After is { } after)
        {
            where.Append(" AND (time < $afterTime OR (time = $afterTime AND seq < $afterSeq))");
            command.Parameters.AddWithValue("$afterTime", after.TimeTicks);
            command.Parameters.AddWithValue("$afterSeq", after.Seq);
        }

        command.CommandText = $"SELECT {EventColumns} FROM events WHERE {where} ORDER BY time DESC, seq DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", filter.Limit);
        var events = new List<StoredEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add(ReadEvent(reader));
        }

        return Task.FromResult<IReadOnlyList<StoredEvent>>(events);
    }

    public Task<IReadOnlyList<RollupRow>> ReadRollupsAsync(long meterNumber, RollupLevel level, long from, long to, IReadOnlyList<string>? subjects, CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value
            FROM meter_rollups
            WHERE meter_num = $meter AND level = $level AND bucket_start >= $from AND bucket_start < $to{SubjectClause(command, subjects)}
            """;
        command.Parameters.AddWithValue("$meter", meterNumber);
        command.Parameters.AddWithValue("$level", (int)level);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        return Task.FromResult<IReadOnlyList<RollupRow>>(ReadRollupRows(command));
    }

    public Task<RollupCoverage> ReadCoverageAsync(CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        return Task.FromResult(ReadCoverage(connection, null) ?? RollupCoverage.None);
    }

    /// <summary>Rows selected as <c>subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value</c>.</summary>
    internal static List<RollupRow> ReadRollupRows(SqliteCommand command)
    {
        var rows = new List<RollupRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var state = new AggregateState
            {
                Count = reader.GetInt64(3),
                Sum = ReadDecimal(reader, 4) ?? 0m,
                Min = ReadDecimal(reader, 5),
                Max = ReadDecimal(reader, 6),
                LatestTicks = reader.IsDBNull(7) ? 0 : reader.GetInt64(7),
                Latest = ReadDecimal(reader, 8),
            };
            rows.Add(new RollupRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), state));
        }

        return rows;
    }

    internal static RollupCoverage? ReadCoverage(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT hours_before, days_before FROM rollup_coverage";
        using var reader = command.ExecuteReader();
        return reader.Read() ? new RollupCoverage(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public Task<IReadOnlyList<DistinctValueRow>> ReadDistinctValuesAsync(long meterNumber, long from, long to, IReadOnlyList<string>? subjects, CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT subject, bucket_start, group_key, value FROM meter_distinct_values
            WHERE meter_num = $meter AND bucket_start >= $from AND bucket_start < $to{SubjectClause(command, subjects)}
            """;
        command.Parameters.AddWithValue("$meter", meterNumber);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        var rows = new List<DistinctValueRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new DistinctValueRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3)));
        }

        return Task.FromResult<IReadOnlyList<DistinctValueRow>>(rows);
    }

    public Task<IReadOnlyList<EventRecord>> ReadEventsAsync(string type, long from, long to, IReadOnlyList<string>? subjects, CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EventColumns} FROM events WHERE type = $type AND time >= $from AND time < $to{SubjectClause(command, subjects)} ORDER BY seq";
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        var events = new List<EventRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add(ReadEvent(reader).Event);
        }

        return Task.FromResult<IReadOnlyList<EventRecord>>(events);
    }

    public Task<(long First, long End)?> GetDataSpanAsync(long meterNumber, CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT MIN(bucket_start), MAX(bucket_start) FROM meter_rollups WHERE meter_num = $meter AND level = 1
            UNION ALL
            SELECT MIN(bucket_start), MAX(bucket_start) FROM meter_distinct_values WHERE meter_num = $meter
            """;
        command.Parameters.AddWithValue("$meter", meterNumber);
        using var reader = command.ExecuteReader();
        (long First, long End)? span = null;
        while (reader.Read())
        {
            if (!reader.IsDBNull(0))
            {
                var first = reader.GetInt64(0);
                var end = reader.GetInt64(1) + TimeSpan.TicksPerMinute;
                span = span is { } s ? (Math.Min(s.First, first), Math.Max(s.End, end)) : (first, end);
            }
        }

        return Task.FromResult(span);
    }

    public Task<IReadOnlyList<string>> ListMeterSubjectsAsync(long meterNumber, long? from, long? to, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(ReadStrings("subject", meterNumber, from, to));

    public Task<IReadOnlyList<string>> ListGroupKeysAsync(long meterNumber, long? from, long? to, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(ReadStrings("group_key", meterNumber, from, to));

    private List<string> ReadStrings(string column, long meterNumber, long? from, long? to)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();

        // Minute buckets answer exact ranges. Without a range, the compacted days are enough and far fewer, and
        // minutes cover what is not compacted yet.
        var rollups = from is null && to is null
            ? $"""
                SELECT {column} FROM meter_rollups WHERE meter_num = $meter AND level = {(int)RollupLevel.Day}
                UNION ALL
                SELECT {column} FROM meter_rollups WHERE meter_num = $meter AND level = {(int)RollupLevel.Minute}
                    AND bucket_start >= COALESCE((SELECT days_before FROM rollup_coverage), $from)
                """
            : $"SELECT {column} FROM meter_rollups WHERE meter_num = $meter AND level = {(int)RollupLevel.Minute} AND bucket_start >= $from AND bucket_start < $to";
        command.CommandText = $"""
            SELECT DISTINCT {column} FROM (
                {rollups}
                UNION ALL
                SELECT {column} FROM meter_distinct_values WHERE meter_num = $meter AND bucket_start >= $from AND bucket_start < $to)
            ORDER BY 1
            """;
        command.Parameters.AddWithValue("$meter", meterNumber);
        command.Parameters.AddWithValue("$from", from is { } f ? Rollups.BucketStart(RollupLevel.Minute, f) : long.MinValue);
        command.Parameters.AddWithValue("$to", to ?? long.MaxValue);
        var values = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public Task<IReadOnlyList<Subject>> ListSubjectsAsync(CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SubjectColumns} FROM subjects WHERE deleted_at IS NULL ORDER BY key";
        var subjects = new List<Subject>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            subjects.Add(ReadSubject(reader));
        }

        return Task.FromResult<IReadOnlyList<Subject>>(subjects);
    }

    public Task<Subject?> GetSubjectAsync(string idOrKey, CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        return Task.FromResult(FindSubject(connection, null, idOrKey));
    }

    public Task<IReadOnlyList<Subject>> UpsertSubjectsAsync(IReadOnlyList<SubjectUpsert> subjects, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        using var connection = store.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var result = new List<Subject>(subjects.Count);
        foreach (var upsert in subjects)
        {
            var existing = FindSubject(connection, transaction, upsert.Key!);
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
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO subjects (id, key, display_name, metadata, current_period_start, current_period_end, stripe_customer_id, created_at, updated_at)
                VALUES ($id, $key, $name, $metadata, $start, $end, $stripe, $created, $updated)
                ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, metadata = excluded.metadata,
                    current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
                    stripe_customer_id = excluded.stripe_customer_id, updated_at = excluded.updated_at
                """;
            command.Parameters.AddWithValue("$id", subject.Id);
            command.Parameters.AddWithValue("$key", subject.Key);
            command.Parameters.AddWithValue("$name", (object?)subject.DisplayName ?? DBNull.Value);
            command.Parameters.AddWithValue("$metadata", subject.Metadata is null ? DBNull.Value : JsonSerializer.Serialize(upsert.Metadata, MeteringJsonContext.Default.DictionaryStringString));
            command.Parameters.AddWithValue("$start", (object?)subject.CurrentPeriodStart?.UtcTicks ?? DBNull.Value);
            command.Parameters.AddWithValue("$end", (object?)subject.CurrentPeriodEnd?.UtcTicks ?? DBNull.Value);
            command.Parameters.AddWithValue("$stripe", (object?)subject.StripeCustomerId ?? DBNull.Value);
            command.Parameters.AddWithValue("$created", subject.CreatedAt.UtcTicks);
            command.Parameters.AddWithValue("$updated", subject.UpdatedAt.UtcTicks);
            command.ExecuteNonQuery();
            result.Add(subject);
        }

        transaction.Commit();
        return Task.FromResult<IReadOnlyList<Subject>>(result);
    }

    public Task<bool> DeleteSubjectAsync(string idOrKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE subjects SET deleted_at = $now, updated_at = $now WHERE deleted_at IS NULL AND (id = $key OR key = $key)";
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        command.Parameters.AddWithValue("$key", idOrKey);
        return Task.FromResult(command.ExecuteNonQuery() > 0);
    }

    private static Subject? FindSubject(SqliteConnection connection, SqliteTransaction? transaction, string idOrKey)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {SubjectColumns} FROM subjects WHERE deleted_at IS NULL AND (id = $key OR key = $key) ORDER BY key = $key DESC LIMIT 1";
        command.Parameters.AddWithValue("$key", idOrKey);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSubject(reader) : null;
    }

    private static string SubjectClause(SqliteCommand command, IReadOnlyList<string>? subjects)
    {
        if (subjects is null)
        {
            return string.Empty;
        }

        var names = new StringBuilder(" AND subject IN (");
        for (var i = 0; i < subjects.Count; i++)
        {
            var name = "$s" + i.ToString(CultureInfo.InvariantCulture);
            names.Append(i == 0 ? string.Empty : ", ").Append(name);
            command.Parameters.AddWithValue(name, subjects[i]);
        }

        return names.Append(')').ToString();
    }

    internal static decimal? ReadDecimal(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : decimal.Parse(reader.GetString(ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);

    internal static StoredEvent ReadEvent(SqliteDataReader reader) => new(
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

    private static Meter ReadMeter(SqliteDataReader reader)
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

    private static Subject ReadSubject(SqliteDataReader reader) => new()
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

    internal static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);
}
