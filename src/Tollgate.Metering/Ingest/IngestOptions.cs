namespace Tollgate.Metering.Ingest;

/// <summary>Tuning of the ingest pipeline.</summary>
public sealed record IngestOptions
{
    /// <summary>Requests waiting for the writer; past this, ingest answers 503 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Most events committed in one transaction (group commit).</summary>
    public int MaxEventsPerCommit { get; init; } = 20_000;

    /// <summary>
    /// Writer lanes, each with its own connection, on a store several writers may share (PostgreSQL); the embedded
    /// store always has exactly one writer.
    /// </summary>
    public int SharedStoreWriters { get; init; } = 2;

    /// <summary>Events read per step when a meter's rollups are rebuilt, between ingest commits.</summary>
    public int RebuildChunk { get; init; } = 50_000;

    /// <summary>How long after an hour ends its minute rollups are compacted into an hour row (and days likewise).</summary>
    public TimeSpan CompactionDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// On PostgreSQL, months of raw events kept before their partition is detached for archiving (null: kept for
    /// ever). Rollups, and so meter queries and invoices, are not affected; event listings and rebuilds are.
    /// </summary>
    public int? EventRetentionMonths { get; init; }
}
