using System.Data.Common;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;

namespace Tollgate.Metering.Storage.Relational;

/// <summary>
/// What the writer's session does the same way on both engines: meters, conflicts, build progress, coverage and
/// the reads compaction and rebuilds need, all inside the session's open transaction. A provider brings the
/// transaction and the per-event hot path (event inserts, rollup merges, distinct values).
/// </summary>
internal abstract class RelationalWriteSession(DbConnection connection) : IMeteringWriteSession
{
    protected DbConnection Connection { get; set; } = connection;

    protected DbTransaction? Transaction { get; set; }

    public abstract void Begin(bool exclusive = false);

    public abstract void Commit();

    public abstract void Rollback();

    public virtual void Prepare(IReadOnlyList<EventRecord> records)
    {
    }

    public abstract void InsertEvents(IReadOnlyList<EventRecord> records, long ingestedAtTicks, Span<InsertOutcome> outcomes);

    public abstract void MergeRollup(in RollupKey key, in AggregateState delta);

    public abstract void AddDistinctValue(long meterNumber, string subject, long minute, string groupKey, string value);

    public virtual void ClearRollups(long meterNumber)
    {
        Flush();
        Execute("DELETE FROM meter_rollups WHERE meter_num = @num", ("@num", meterNumber));
        Execute("DELETE FROM meter_distinct_values WHERE meter_num = @num", ("@num", meterNumber));
    }

    public void RecordConflict(EventRecord record, long receivedAtTicks)
    {
        ArgumentNullException.ThrowIfNull(record);
        Execute("""
            INSERT INTO event_conflicts (source, id, received_at, type, subject, time, data)
            VALUES (@source, @id, @received, @type, @subject, @time, @data)
            """,
            ("@source", record.Source), ("@id", record.Id), ("@received", receivedAtTicks), ("@type", record.Type),
            ("@subject", record.Subject), ("@time", record.TimeTicks), ("@data", record.Data));
    }

    public void InsertMeter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        Execute(RelationalMeteringStore.InsertMeterSql, RelationalMeteringStore.MeterParameters(meter));
        CatalogChanged();
    }

    public void UpdateMeter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        Execute(RelationalMeteringStore.UpdateMeterSql, RelationalMeteringStore.MeterParameters(meter));
        CatalogChanged();
    }

    public void SetBuildProgress(long meterNumber, long builtThroughSeq, bool ready)
    {
        Execute("UPDATE meters SET built_through_seq = @seq, ready = @ready WHERE num = @num",
            ("@seq", builtThroughSeq), ("@ready", ready ? 1L : 0L), ("@num", meterNumber));
        CatalogChanged();
    }

    public (long CatalogVersion, RollupCoverage? Coverage) ReadState() => Read(RelationalMeteringStore.StateSql,
        r => (r.GetInt64(0), r.IsDBNull(1) ? (RollupCoverage?)null : new RollupCoverage(r.GetInt64(1), r.GetInt64(2))))[0];

    public RollupCoverage? ReadCoverage() =>
        Read(RelationalMeteringStore.CoverageSql, RelationalMeteringStore.ReadCoverage) is [var coverage] ? coverage : null;

    public void SaveCoverage(RollupCoverage coverage) =>
        Execute(RelationalMeteringStore.SaveCoverageSql, ("@hours", coverage.HoursBefore), ("@days", coverage.DaysBefore));

    public IReadOnlyList<RollupRow> ReadRollups(long meterNumber, RollupLevel level, long start, long end) => Read(
        $"SELECT {RelationalMeteringStore.RollupColumns} FROM meter_rollups WHERE meter_num = @meter AND level = @level AND bucket_start >= @start AND bucket_start < @end",
        RelationalMeteringStore.ReadRollupRow, ("@meter", meterNumber), ("@level", (long)level), ("@start", start), ("@end", end));

    public long? FindBucket(long meterNumber, RollupLevel level, long from, bool last) => Read(
        $"SELECT {(last ? "MAX" : "MIN")}(bucket_start) FROM meter_rollups WHERE meter_num = @meter AND level = @level AND bucket_start >= @from",
        r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0), ("@meter", meterNumber), ("@level", (long)level), ("@from", from))[0];

    public long NextMeterNumber() => Read("SELECT COALESCE(MAX(num), 0) + 1 FROM meters", r => r.GetInt64(0))[0];

    public long MaxEventSeq() => Read("SELECT COALESCE(MAX(seq), 0) FROM events", r => r.GetInt64(0))[0];

    public IReadOnlyList<StoredEvent> ReadEventsForBuild(string type, long afterSeq, long throughSeq, int limit) => Read(
        RelationalMeteringStore.ReadEventsForBuildSql, RelationalMeteringStore.ReadEvent,
        ("@after", afterSeq), ("@through", throughSeq), ("@type", type), ("@limit", (long)limit));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    protected void CommitTransaction()
    {
        Transaction!.Commit();
        Transaction.Dispose();
        Transaction = null;
    }

    /// <summary>Rolls back the open transaction, if any.</summary>
    protected void RollbackTransaction()
    {
        if (Transaction is null)
        {
            return;
        }

        try
        {
            Transaction.Rollback();
        }
        catch (Exception exception) when (exception is DbException or InvalidOperationException)
        {
            // The engine already rolled back on its own (an I/O error), or the connection is gone and the server
            // rolled back with it: nothing is left to undo.
        }

        Transaction.Dispose();
        Transaction = null;
    }

    /// <summary>Tells every node, through the catalog version, that meters changed in this transaction.</summary>
    private void CatalogChanged() => Execute("UPDATE meter_catalog SET version = version + 1");

    /// <summary>Writes out anything the provider buffers, so the statements that follow see it.</summary>
    protected virtual void Flush()
    {
    }

    protected void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        Flush();
        using var command = RelationalMeteringStore.Command(Connection, sql, parameters);
        command.Transaction = Transaction;
        command.ExecuteNonQuery();
    }

    protected List<T> Read<T>(string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        Flush();
        using var command = RelationalMeteringStore.Command(Connection, sql, parameters);
        command.Transaction = Transaction;
        var rows = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
