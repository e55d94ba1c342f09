using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tollgate.Metering.Api;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Store;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>
/// The writer's own connection with its statements prepared once. The per-event statements (event insert,
/// rollup merge) run through <see cref="RawStatement"/>. Rollup rows this session has written are remembered with
/// their stored values, so the next merge into a hot row (the current minute) writes final values with a plain
/// UPDATE; a row met for the first time is upserted, its decimals added by C# functions inside SQLite.
/// </summary>
internal sealed class SqliteMeteringWriteSession : IMeteringWriteSession
{
    /// <summary>Remembered rows past this are forgotten at the next commit (about ten minutes of 1,000 subjects × 10 groups).</summary>
    private const int RememberedRows = 100_000;

    private readonly SqliteWriter _writer;
    private readonly SqliteConnection _connection;
    private readonly RawStatement _insertEvent;
    private readonly SqliteCommand _findEvent;
    private readonly RawStatement _upsertRollup;
    private readonly RawStatement _updateRollup;
    private readonly SqliteCommand _addDistinct;
    private readonly Dictionary<RollupKey, AggregateState> _rows = [];
    private SqliteTransaction? _transaction;
    private long _nextSeq;

    public SqliteMeteringWriteSession(SqliteWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _connection = writer.Connection;
        var connection = _connection;
        _connection.CreateFunction<string?, string?, string?>("tg_dec_add", (a, b) => Combine(a, b, static (x, y) => x + y), isDeterministic: true);
        _connection.CreateFunction<string?, string?, string?>("tg_dec_min", (a, b) => Combine(a, b, Math.Min), isDeterministic: true);
        _connection.CreateFunction<string?, string?, string?>("tg_dec_max", (a, b) => Combine(a, b, Math.Max), isDeterministic: true);

        // The writer is the only one inserting, so it numbers events itself and learns of a duplicate from the
        // change count, without RETURNING.
        _insertEvent = new RawStatement(connection, """
            INSERT INTO events (seq, source, id, type, subject, time, ingested_at, data, dataschema)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            ON CONFLICT (source, id) DO NOTHING
            """);
        _findEvent = Prepare("SELECT seq, type, subject, time, data, dataschema FROM events WHERE source = $source AND id = $id", "$source", "$id");
        _upsertRollup = new RawStatement(connection, """
            INSERT INTO meter_rollups (meter_num, level, subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            ON CONFLICT (meter_num, level, subject, bucket_start, group_key) DO UPDATE SET
                count = count + excluded.count,
                sum = tg_dec_add(sum, excluded.sum),
                min = tg_dec_min(min, excluded.min),
                max = tg_dec_max(max, excluded.max),
                latest_value = CASE WHEN latest_time IS NULL OR excluded.latest_time >= latest_time THEN excluded.latest_value ELSE latest_value END,
                latest_time = CASE WHEN latest_time IS NULL OR excluded.latest_time >= latest_time THEN excluded.latest_time ELSE latest_time END
            RETURNING count, sum, min, max, latest_time, latest_value
            """);
        _updateRollup = new RawStatement(connection, """
            UPDATE meter_rollups SET count = ?6, sum = ?7, min = ?8, max = ?9, latest_time = ?10, latest_value = ?11
            WHERE meter_num = ?1 AND level = ?2 AND subject = ?3 AND bucket_start = ?4 AND group_key = ?5
            """);
        _addDistinct = Prepare("""
            INSERT INTO meter_distinct_values (meter_num, subject, bucket_start, group_key, value)
            VALUES ($meter, $subject, $bucket, $group, $value) ON CONFLICT DO NOTHING
            """, "$meter", "$subject", "$bucket", "$group", "$value");
    }

    public void Begin()
    {
        _transaction = _connection.BeginTransaction(deferred: false);
        foreach (var command in (ReadOnlySpan<SqliteCommand>)[_findEvent, _addDistinct])
        {
            command.Transaction = _transaction;
        }

        if (_nextSeq == 0)
        {
            _nextSeq = MaxEventSeq() + 1;
        }
    }

    public void Commit()
    {
        _transaction!.Commit();
        _transaction.Dispose();
        _transaction = null;
        _writer.Committed();
        if (_rows.Count > RememberedRows)
        {
            _rows.Clear();
        }
    }

    public void Rollback()
    {
        // What this transaction wrote is undone, so what was remembered of it is no longer true.
        _rows.Clear();
        _nextSeq = 0;
        if (_transaction is null)
        {
            return;
        }

        try
        {
            _transaction.Rollback();
        }
        catch (SqliteException)
        {
            // SQLite may already have rolled back on its own (e.g. after an I/O error); nothing is left to undo.
        }

        _transaction.Dispose();
        _transaction = null;
    }

    public InsertOutcome InsertEvent(EventRecord record, long ingestedAtTicks)
    {
        ArgumentNullException.ThrowIfNull(record);
        var insert = _insertEvent;
        try
        {
            insert.Bind(1, _nextSeq);
            insert.Bind(2, record.Source);
            insert.Bind(3, record.Id);
            insert.Bind(4, record.Type);
            insert.Bind(5, record.Subject);
            insert.Bind(6, record.TimeTicks);
            insert.Bind(7, ingestedAtTicks);
            insert.Bind(8, record.Data);
            insert.Bind(9, record.DataSchema);
            insert.Step();
        }
        finally
        {
            insert.Reset();
        }

        if (insert.Changes == 1)
        {
            return new InsertOutcome(_nextSeq++, Inserted: true, Conflict: false);
        }

        _findEvent.Parameters[0].Value = record.Source;
        _findEvent.Parameters[1].Value = record.Id;
        using var reader = _findEvent.ExecuteReader();
        reader.Read();
        var same = reader.GetString(1) == record.Type
            && reader.GetString(2) == record.Subject
            && reader.GetInt64(3) == record.TimeTicks
            && (reader.IsDBNull(4) ? null : reader.GetString(4)) == record.Data
            && (reader.IsDBNull(5) ? null : reader.GetString(5)) == record.DataSchema;
        return new InsertOutcome(reader.GetInt64(0), Inserted: false, Conflict: !same);
    }

    public void MergeRollup(in RollupKey key, in AggregateState delta)
    {
        ref var row = ref CollectionsMarshal.GetValueRefOrAddDefault(_rows, key, out var known);
        if (known)
        {
            row.Merge(delta);
        }

        var statement = known ? _updateRollup : _upsertRollup;
        var state = known ? row : delta;
        try
        {
            statement.Bind(1, key.MeterNumber);
            statement.Bind(2, (int)key.Level);
            statement.Bind(3, key.Subject);
            statement.Bind(4, key.BucketStart);
            statement.Bind(5, key.GroupKey);
            statement.Bind(6, state.Count);
            statement.Bind(7, (decimal?)state.Sum);
            statement.Bind(8, state.Min);
            statement.Bind(9, state.Max);
            if (state.Latest is null)
            {
                statement.Bind(10, (string?)null);
            }
            else
            {
                statement.Bind(10, state.LatestTicks);
            }

            statement.Bind(11, state.Latest);
            if (statement.Step() && !known)
            {
                // The row as stored now, whether it was just created or already there.
                row = new AggregateState
                {
                    Count = statement.Int64(0),
                    Sum = statement.Decimal(1) ?? 0m,
                    Min = statement.Decimal(2),
                    Max = statement.Decimal(3),
                    LatestTicks = statement.IsNull(4) ? 0 : statement.Int64(4),
                    Latest = statement.Decimal(5),
                };
                statement.Step();
            }
        }
        catch
        {
            _rows.Remove(key);
            throw;
        }
        finally
        {
            statement.Reset();
        }
    }

    public void AddDistinctValue(long meterNumber, string subject, long minute, string groupKey, string value)
    {
        var p = _addDistinct.Parameters;
        p[0].Value = meterNumber;
        p[1].Value = subject;
        p[2].Value = minute;
        p[3].Value = groupKey;
        p[4].Value = value;
        _addDistinct.ExecuteNonQuery();
    }

    public void RecordConflict(EventRecord record, long receivedAtTicks)
    {
        ArgumentNullException.ThrowIfNull(record);
        Execute("""
            INSERT INTO event_conflicts (source, id, received_at, type, subject, time, data)
            VALUES ($source, $id, $received, $type, $subject, $time, $data)
            """,
            ("$source", record.Source), ("$id", record.Id), ("$received", receivedAtTicks), ("$type", record.Type),
            ("$subject", record.Subject), ("$time", record.TimeTicks), ("$data", record.Data));
    }

    public void InsertMeter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        Execute("""
            INSERT INTO meters (num, id, slug, name, description, aggregation, event_type, value_property, group_by, event_from, metadata,
                                created_at, updated_at, deleted_at, built_through_seq, ready)
            VALUES ($num, $id, $slug, $name, $description, $aggregation, $eventType, $valueProperty, $groupBy, $eventFrom, $metadata,
                    $created, $updated, $deleted, $built, $ready)
            """, MeterParameters(meter));
    }

    public void UpdateMeter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        Execute("""
            UPDATE meters SET name = $name, description = $description, group_by = $groupBy, metadata = $metadata,
                updated_at = $updated, deleted_at = $deleted, built_through_seq = $built, ready = $ready
            WHERE num = $num
            """, MeterParameters(meter));
    }

    public void ClearRollups(long meterNumber)
    {
        _rows.Clear();
        Execute("DELETE FROM meter_rollups WHERE meter_num = $num", ("$num", meterNumber));
        Execute("DELETE FROM meter_distinct_values WHERE meter_num = $num", ("$num", meterNumber));
    }

    public void SetBuildProgress(long meterNumber, long builtThroughSeq, bool ready) =>
        Execute("UPDATE meters SET built_through_seq = $seq, ready = $ready WHERE num = $num",
            ("$seq", builtThroughSeq), ("$ready", ready ? 1 : 0), ("$num", meterNumber));

    public RollupCoverage? ReadCoverage() => SqliteMeteringStore.ReadCoverage(_connection, _transaction);

    public void SaveCoverage(RollupCoverage coverage) =>
        Execute("INSERT OR REPLACE INTO rollup_coverage (id, hours_before, days_before) VALUES (1, $hours, $days)",
            ("$hours", coverage.HoursBefore), ("$days", coverage.DaysBefore));

    public IReadOnlyList<RollupRow> ReadRollups(long meterNumber, RollupLevel level, long start, long end)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = """
            SELECT subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value FROM meter_rollups
            WHERE meter_num = $meter AND level = $level AND bucket_start >= $start AND bucket_start < $end
            """;
        command.Parameters.AddWithValue("$meter", meterNumber);
        command.Parameters.AddWithValue("$level", (int)level);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", end);
        return SqliteMeteringStore.ReadRollupRows(command);
    }

    public long? FindBucket(long meterNumber, RollupLevel level, long from, bool last)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = $"SELECT {(last ? "MAX" : "MIN")}(bucket_start) FROM meter_rollups WHERE meter_num = $meter AND level = $level AND bucket_start >= $from";
        command.Parameters.AddWithValue("$meter", meterNumber);
        command.Parameters.AddWithValue("$level", (int)level);
        command.Parameters.AddWithValue("$from", from);
        return command.ExecuteScalar() is long bucket ? bucket : null;
    }

    public long NextMeterNumber() => (long)Scalar("SELECT COALESCE(MAX(num), 0) + 1 FROM meters")!;

    public long MaxEventSeq() => (long)Scalar("SELECT COALESCE(MAX(seq), 0) FROM events")!;

    public IReadOnlyList<StoredEvent> ReadEventsForBuild(string type, long afterSeq, long throughSeq, int limit)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = """
            SELECT seq, id, source, type, subject, time, data, dataschema, ingested_at FROM events
            WHERE seq > $after AND seq <= $through AND type = $type ORDER BY seq LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$through", throughSeq);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$limit", limit);
        var events = new List<StoredEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add(SqliteMeteringStore.ReadEvent(reader));
        }

        return events;
    }

    public void Dispose()
    {
        Rollback();
        _insertEvent.Dispose();
        _findEvent.Dispose();
        _upsertRollup.Dispose();
        _updateRollup.Dispose();
        _addDistinct.Dispose();
        _writer.Dispose();
    }

    private static (string, object?)[] MeterParameters(Meter meter) =>
    [
        ("$num", meter.Number), ("$id", meter.Id), ("$slug", meter.Slug), ("$name", meter.Name), ("$description", meter.Description),
        ("$aggregation", meter.Aggregation.ToString()), ("$eventType", meter.EventType), ("$valueProperty", meter.ValueProperty),
        ("$groupBy", JsonSerializer.Serialize(meter.GroupBy.ToDictionary(StringComparer.Ordinal), MeteringJsonContext.Default.DictionaryStringString)),
        ("$eventFrom", meter.EventFrom?.UtcTicks),
        ("$metadata", meter.Metadata is null ? null : JsonSerializer.Serialize(meter.Metadata.ToDictionary(StringComparer.Ordinal), MeteringJsonContext.Default.DictionaryStringString)),
        ("$created", meter.CreatedAt.UtcTicks), ("$updated", meter.UpdatedAt.UtcTicks), ("$deleted", meter.DeletedAt?.UtcTicks),
        ("$built", meter.BuiltThroughSeq), ("$ready", meter.Ready ? 1 : 0),
    ];

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static string? Combine(string? a, string? b, Func<decimal, decimal, decimal> combine)
    {
        if (a is null)
        {
            return b;
        }

        if (b is null)
        {
            return a;
        }

        return combine(Parse(a), Parse(b)).ToString(CultureInfo.InvariantCulture);
    }

    private static decimal Parse(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
