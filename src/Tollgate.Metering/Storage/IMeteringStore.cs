using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Subjects;

namespace Tollgate.Metering.Storage;

/// <summary>
/// The seam between metering logic and a storage engine. Everything engine-specific (SQL, types, upserts)
/// lives behind it; the SQLite provider is the embedded default.
/// </summary>
public interface IMeteringStore
{
    /// <summary>Whether a failed write may succeed if retried whole (a deadlock between nodes, a dropped connection).</summary>
    bool IsTransient(Exception exception);

    /// <summary>Whether other nodes write to this store too (PostgreSQL), so stored state can change under a node.</summary>
    bool SharedByNodes { get; }

    /// <summary>All meters, deleted ones included, in creation order, with the catalog version read before them.</summary>
    Task<StoredCatalog> LoadCatalogAsync(CancellationToken cancellationToken);

    /// <summary>The catalog version: bumped by every meter change and rebuild step, on any node.</summary>
    Task<long> ReadCatalogVersionAsync(CancellationToken cancellationToken);

    /// <summary>Opens the single writer's session; only the ingest writer calls it.</summary>
    IMeteringWriteSession OpenWriteSession();

    Task<IReadOnlyList<StoredEvent>> ListEventsAsync(EventFilter filter, CancellationToken cancellationToken);

    /// <summary>Rollup rows of one meter at one level with bucket starts in <c>[start, end)</c>.</summary>
    Task<IReadOnlyList<RollupRow>> ReadRollupsAsync(long meterNumber, RollupLevel level, long start, long end, IReadOnlyList<string>? subjects, CancellationToken cancellationToken);

    /// <summary>Which coarse rollups are complete; read before the rows a query plans with it.</summary>
    Task<RollupCoverage> ReadCoverageAsync(CancellationToken cancellationToken);

    /// <summary>Distinct-value rows of a UNIQUE_COUNT meter with minute buckets in <c>[start, end)</c>.</summary>
    Task<IReadOnlyList<DistinctValueRow>> ReadDistinctValuesAsync(long meterNumber, long start, long end, IReadOnlyList<string>? subjects, CancellationToken cancellationToken);

    /// <summary>Raw events of a type with times in <c>[start, end)</c>, for the sub-minute edges of a query.</summary>
    Task<IReadOnlyList<EventRecord>> ReadEventsAsync(string type, long start, long end, IReadOnlyList<string>? subjects, CancellationToken cancellationToken);

    /// <summary>First minute bucket and end of the last one holding data for the meter; null when it has none.</summary>
    Task<(long First, long End)?> GetDataSpanAsync(long meterNumber, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListMeterSubjectsAsync(long meterNumber, long? start, long? end, CancellationToken cancellationToken);

    /// <summary>Distinct stored group keys of a meter (encoded), for the group-by value listing.</summary>
    Task<IReadOnlyList<string>> ListGroupKeysAsync(long meterNumber, long? start, long? end, CancellationToken cancellationToken);

    Task<IReadOnlyList<Subject>> ListSubjectsAsync(CancellationToken cancellationToken);

    Task<Subject?> GetSubjectAsync(string idOrKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<Subject>> UpsertSubjectsAsync(IReadOnlyList<SubjectUpsert> subjects, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> DeleteSubjectAsync(string idOrKey, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// The writer's transaction-scoped operations. One session lives as long as the writer; every batch is one
/// transaction, so raw events and rollups commit together or not at all.
/// </summary>
public interface IMeteringWriteSession : IDisposable
{
    /// <summary>
    /// Opens the transaction. An exclusive one (meter changes, the step that makes a rebuilt meter current,
    /// compaction) waits for every ingest transaction in flight on any node and holds new ones off until it ends.
    /// </summary>
    void Begin(bool exclusive = false);

    void Commit();

    void Rollback();

    /// <summary>Readies the store for these events before the transaction begins (PostgreSQL creates the month partitions they need).</summary>
    void Prepare(IReadOnlyList<EventRecord> records);

    /// <summary>
    /// Inserts each event unless its (source, id) is stored (or comes earlier in the same list); <paramref name="outcomes"/>
    /// receives what happened to each, in order.
    /// </summary>
    void InsertEvents(IReadOnlyList<EventRecord> records, long ingestedAtTicks, Span<InsertOutcome> outcomes);

    /// <summary>Adds a delta to a rollup row, creating it when absent.</summary>
    void MergeRollup(in RollupKey key, in AggregateState delta);

    void AddDistinctValue(long meterNumber, string subject, long minute, string groupKey, string value);

    void RecordConflict(EventRecord record, long receivedAtTicks);

    void InsertMeter(Meter meter);

    void UpdateMeter(Meter meter);

    /// <summary>Forgets the meter's rollups so they can be rebuilt from raw events.</summary>
    void ClearRollups(long meterNumber);

    void SetBuildProgress(long meterNumber, long builtThroughSeq, bool ready);

    /// <summary>The stored coverage, or null before the writer first set it.</summary>
    RollupCoverage? ReadCoverage();

    /// <summary>The catalog version and the coverage as stored, read together at the start of a transaction.</summary>
    (long CatalogVersion, RollupCoverage? Coverage) ReadState();

    void SaveCoverage(RollupCoverage coverage);

    /// <summary>Rollup rows of one meter at one level with bucket starts in <c>[start, end)</c>.</summary>
    IReadOnlyList<RollupRow> ReadRollups(long meterNumber, RollupLevel level, long start, long end);

    /// <summary>The earliest (or, with <paramref name="last"/>, latest) bucket of a meter's rows at a level from <paramref name="from"/> on.</summary>
    long? FindBucket(long meterNumber, RollupLevel level, long from, bool last);

    long NextMeterNumber();

    long MaxEventSeq();

    /// <summary>Events of a type with sequence numbers in <c>(afterSeq, throughSeq]</c>, in order, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<StoredEvent> ReadEventsForBuild(string type, long afterSeq, long throughSeq, int limit);
}

/// <summary>What happened to one inserted event.</summary>
public readonly record struct InsertOutcome(long Seq, bool Inserted, bool Conflict);

public readonly record struct RollupKey(long MeterNumber, RollupLevel Level, string Subject, long BucketStart, string GroupKey);

public sealed record RollupRow(string Subject, long BucketStart, string GroupKey, AggregateState State);

public sealed record DistinctValueRow(string Subject, long BucketStart, string GroupKey, string Value);
