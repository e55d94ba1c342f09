using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Storage.Relational;
using Tollgate.Store;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>
/// The writer's own connection with its statements prepared once. The per-event statements (event insert,
/// rollup merge) run through <see cref="RawStatement"/>. Rollup rows this session has written are remembered with
/// their stored values, so the next merge into a hot row (the current minute) writes final values with a plain
/// UPDATE; a row met for the first time is upserted, its decimals added by C# functions inside SQLite.
/// </summary>
internal sealed class SqliteMeteringWriteSession : RelationalWriteSession
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
    private long _nextSeq;

    public SqliteMeteringWriteSession(SqliteWriter writer)
        : base((writer ?? throw new ArgumentNullException(nameof(writer))).Connection)
    {
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

    /// <summary>One writer per file, so every transaction is already exclusive.</summary>
    public override void Begin(bool exclusive = false)
    {
        var transaction = _connection.BeginTransaction(deferred: false);
        Transaction = transaction;
        foreach (var command in (ReadOnlySpan<SqliteCommand>)[_findEvent, _addDistinct])
        {
            command.Transaction = transaction;
        }

        if (_nextSeq == 0)
        {
            _nextSeq = MaxEventSeq() + 1;
        }
    }

    public override void Commit()
    {
        CommitTransaction();
        _writer.Committed();
        if (_rows.Count > RememberedRows)
        {
            _rows.Clear();
        }
    }

    public override void Rollback()
    {
        // What this transaction wrote is undone, so what was remembered of it is no longer true.
        _rows.Clear();
        _nextSeq = 0;
        RollbackTransaction();
    }

    public override void InsertEvents(IReadOnlyList<EventRecord> records, long ingestedAtTicks, Span<InsertOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(records);
        for (var i = 0; i < records.Count; i++)
        {
            outcomes[i] = InsertEvent(records[i], ingestedAtTicks);
        }
    }

    /// <summary>Inserts one event unless its (source, id) is stored.</summary>
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

    public override void MergeRollup(in RollupKey key, in AggregateState delta)
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

    public override void AddDistinctValue(long meterNumber, string subject, long minute, string groupKey, string value)
    {
        var p = _addDistinct.Parameters;
        p[0].Value = meterNumber;
        p[1].Value = subject;
        p[2].Value = minute;
        p[3].Value = groupKey;
        p[4].Value = value;
        _addDistinct.ExecuteNonQuery();
    }

    public override void ClearRollups(long meterNumber)
    {
        _rows.Clear();
        base.ClearRollups(meterNumber);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Rollback();
            _insertEvent.Dispose();
            _findEvent.Dispose();
            _upsertRollup.Dispose();
            _updateRollup.Dispose();
            _addDistinct.Dispose();
            _writer.Dispose();
        }

        base.Dispose(disposing);
    }

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
