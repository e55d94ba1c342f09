using System.Runtime.InteropServices;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>One compaction to run: fold <see cref="Level"/>'s source rows from <see cref="From"/> on, up to <see cref="Due"/>.</summary>
internal readonly record struct CompactionStep(RollupLevel Level, long From, long Due);

/// <summary>What one step did: the coverage to save, and the bucket folded (if any) with the rows written for it.</summary>
internal sealed record CompactionResult(RollupCoverage Coverage, RollupLevel Level, long? Bucket, IReadOnlyDictionary<RollupKey, AggregateState> Rows);

/// <summary>
/// Keeps the coarse rollups complete behind live traffic. Live events write only minute rows; once an hour has
/// closed (plus a delay for stragglers) its minute rows are folded into hour rows, and once a day's hours are all
/// folded, its hour rows into a day row. <see cref="RollupCoverage"/> then moves past the folded bucket, after which
/// ingest writes that bucket's coarse rows directly, so they stay complete for late events.
/// </summary>
internal static class RollupCompaction
{
    /// <summary>The first uncompacted closed hour, else the first day whose hours are all compacted; null when current.</summary>
    public static CompactionStep? Due(RollupCoverage coverage, long nowTicks, TimeSpan delay)
    {
        var hoursDue = Rollups.BucketStart(RollupLevel.Hour, nowTicks - delay.Ticks);
        if (coverage.HoursBefore < hoursDue)
        {
            return new CompactionStep(RollupLevel.Hour, coverage.HoursBefore, hoursDue);
        }

        var daysDue = Rollups.BucketStart(RollupLevel.Day, coverage.HoursBefore);
        return coverage.DaysBefore < daysDue ? new CompactionStep(RollupLevel.Day, coverage.DaysBefore, daysDue) : null;
    }

    /// <summary>
    /// Inside the caller's transaction, folds the first bucket of the step that has source rows (stretches without
    /// any are skipped in the same step) and returns what it did, for <see cref="PendingRollups.Compacted"/> once
    /// committed. The rows come from <paramref name="pending"/> when it holds the whole bucket, else from the store.
    /// </summary>
    public static CompactionResult Run(IMeteringWriteSession session, IReadOnlyList<Meter> meters, RollupCoverage coverage, CompactionStep step, PendingRollups pending)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(pending);
        var source = step.Level == RollupLevel.Hour ? RollupLevel.Minute : RollupLevel.Hour;
        long? first = null;
        foreach (var meter in meters)
        {
            if (session.FindBucket(meter.Number, source, step.From, last: false) is { } found && found < (first ?? long.MaxValue))
            {
                first = found;
            }
        }

        if (first is not { } firstRow || firstRow >= step.Due)
        {
            return new CompactionResult(With(coverage, step.Level, step.Due), step.Level, null, new Dictionary<RollupKey, AggregateState>());
        }

        var bucket = Rollups.BucketStart(step.Level, firstRow);
        var width = Rollups.Width(step.Level);
        IReadOnlyDictionary<RollupKey, AggregateState> rows;
        if (pending.IsComplete(step.Level, bucket))
        {
            rows = pending.Rows(step.Level, bucket);
        }
        else
        {
            var folded = new Dictionary<RollupKey, AggregateState>();
            foreach (var meter in meters)
            {
                foreach (var row in session.ReadRollups(meter.Number, source, bucket, bucket + width))
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(folded, new RollupKey(meter.Number, step.Level, row.Subject, bucket, row.GroupKey), out _).Merge(row.State);
                }
            }

            rows = folded;
        }

        foreach (var (key, state) in rows)
        {
            session.MergeRollup(key, state);
        }

        return new CompactionResult(With(coverage, step.Level, bucket + width), step.Level, bucket, rows);
    }

    private static RollupCoverage With(RollupCoverage coverage, RollupLevel level, long through) =>
        level == RollupLevel.Hour ? coverage with { HoursBefore = through } : coverage with { DaysBefore = through };
}
