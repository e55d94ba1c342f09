using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tollgate.Metering.Api;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>
/// The writer's own connection with its statements prepared once. Decimal arithmetic for rollups runs in C#
/// through SQLite functions, so sums stay exact without a read before every write.
/// </summary>
internal sealed class SqliteMeteringWriteSession : IMeteringWriteSession
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _findEvent;
    private readonly SqliteCommand _mergeRollup;
    private readonly SqliteCommand _addDistinct;
    private SqliteTransaction? _transaction;

    public SqliteMeteringWriteSession(SqliteConnection connection)
    {
        _connection = connection;
        _connection.CreateFunction<string?, string?, string?>("tg_dec_add", (a, b) => Combine(a, b, static (x, y) => x + y), isDeterministic: true);
        _connection.CreateFunction<string?, string?, string?>("tg_dec_min", (a, b) => Combine(a, b, Math.Min), isDeterministic: true);
        _connection.CreateFunction<string?, string?, string?>("tg_dec_max", (a, b) => Combine(a, b, Math.Max), isDeterministic: true);

        _insertEvent = Prepare("""
            INSERT INTO events (source, id, type, subject, time, ingested_at, data, dataschema)
            VALUES ($source, $id, $type, $subject, $time, $ingested, $data, $schema)
            ON CONFLICT (source, id) DO NOTHING
            RETURNING seq
            """, "$source", "$id", "$type", "$subject", "$time", "$ingested", "$data", "$schema");
        _findEvent = Prepare("SELECT seq, type, subject, time, data, dataschema FROM events WHERE source = $source AND id = $id", "$source", "$id");
        _mergeRollup = Prepare("""
            INSERT INTO meter_rollups (meter_num, level, subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value)
            VALUES ($meter, $level, $subject, $bucket, $group, $count, $sum, $min, $max, $latestTime, $latest)
            ON CONFLICT (meter_num, level, subject, bucket_start, group_key) DO UPDATE SET
                count = count + excluded.count,
                sum = tg_dec_add(sum, excluded.sum),
                min = tg_dec_min(min, excluded.min),
                max = tg_dec_max(max, excluded.max),
                latest_value = CASE WHEN latest_time IS NULL OR excluded.latest_time >= latest_time THEN excluded.latest_value ELSE latest_value END,
                latest_time = CASE WHEN latest_time IS NULL OR excluded.latest_time >= latest_time THEN excluded.latest_time ELSE latest_time END
            """, "$meter", "$level", "$subject", "$bucket", "$group", "$count", "$sum", "$min", "$max", "$latestTime", "$latest");
        _addDistinct = Prepare("""
            INSERT INTO meter_distinct_values (meter_num, subject, bucket_start, group_key, value)
            VALUES ($meter, $subject, $bucket, $group, $value) ON CONFLICT DO NOTHING
            """, "$meter", "$subject", "$bucket", "$group", "$value");
    }

    public void Begin()
    {
        _transaction = _connection.BeginTransaction(deferred: false);
        foreach (var command in (ReadOnlySpan<SqliteCommand>)[_insertEvent, _findEvent, _mergeRollup, _addDistinct])
        {
            command.Transaction = _transaction;
        }
    }

    public void Commit()
    {
        _transaction!.Commit();
        _transaction.Dispose();
        _transaction = null;
    }

    public void Rollback()
    {
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
        var p = _insertEvent.Parameters;
        p[0].Value = record.Source;
        p[1].Value = record.Id;
        p[2].Value = record.Type;
        p[3].Value = record.Subject;
        p[4].Value = record.TimeTicks;
        p[5].Value = ingestedAtTicks;
        p[6].Value = (object?)record.Data ?? DBNull.Value;
        p[7].Value = (object?)record.DataSchema ?? DBNull.Value;
        if (_insertEvent.ExecuteScalar() is long seq)
        {
            return new InsertOutcome(seq, Inserted: true, Conflict: false);
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
        var p = _mergeRollup.Parameters;
        p[0].Value = key.MeterNumber;
        p[1].Value = (int)key.Level;
        p[2].Value = key.Subject;
        p[3].Value = key.BucketStart;
        p[4].Value = key.GroupKey;
        p[5].Value = delta.Count;
        p[6].Value = Text(delta.Sum);
        p[7].Value = Text(delta.Min);
        p[8].Value = Text(delta.Max);
        p[9].Value = delta.Latest is null ? DBNull.Value : delta.LatestTicks;
        p[10].Value = Text(delta.Latest);
        _mergeRollup.ExecuteNonQuery();
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
        _mergeRollup.Dispose();
        _addDistinct.Dispose();
        _connection.Dispose();
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

    private static object Text(decimal? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : DBNull.Value;

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
