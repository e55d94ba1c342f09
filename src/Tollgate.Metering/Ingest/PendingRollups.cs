using System.Runtime.InteropServices;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>
/// The hour and day rows that compaction will owe, folded in memory as the writer commits minute-only rows, so
/// compacting a busy hour writes its few thousand rows instead of reading back every minute row of it. A bucket
/// is complete in memory only if every minute row of it was committed by this process since it started keeping
/// track (<see cref="IsComplete"/>); for any other bucket compaction reads the minute rows from the store.
/// </summary>
internal sealed class PendingRollups
{
    private readonly Dictionary<(RollupLevel Level, long Bucket), Dictionary<RollupKey, AggregateState>> _buckets = [];
    private long _completeHoursFrom = long.MaxValue;
    private long _completeDaysFrom = long.MaxValue;

    /// <summary>Starts trusting memory from the buckets after <paramref name="lastMinuteBucket"/>, the latest one already stored.</summary>
    public void Start(RollupCoverage coverage, long? lastMinuteBucket)
    {
        _buckets.Clear();
        var after = lastMinuteBucket ?? long.MinValue;
        _completeHoursFrom = Math.Max(coverage.HoursBefore, After(RollupLevel.Hour, after));
        _completeDaysFrom = Math.Max(coverage.DaysBefore, After(RollupLevel.Day, after));
    }

    /// <summary>Adds committed minute-level deltas to the coarse buckets that ingest did not write directly.</summary>
    public void Add(Dictionary<RollupKey, AggregateState> committed, RollupCoverage coverage)
    {
        ArgumentNullException.ThrowIfNull(committed);
        foreach (var (key, delta) in committed)
        {
            if (key.Level != RollupLevel.Minute)
            {
                continue;
            }

            foreach (var level in (ReadOnlySpan<RollupLevel>)[RollupLevel.Hour, RollupLevel.Day])
            {
                if (coverage.Writes(level, key.BucketStart))
                {
                    continue;
                }

                var bucket = Rollups.BucketStart(level, key.BucketStart);
                ref var rows = ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets, (level, bucket), out _);
                rows ??= [];
                CollectionsMarshal.GetValueRefOrAddDefault(rows, key with { Level = level, BucketStart = bucket }, out _).Merge(delta);
            }
        }
    }

    public bool IsComplete(RollupLevel level, long bucket) => bucket >= (level == RollupLevel.Hour ? _completeHoursFrom : _completeDaysFrom);

    /// <summary>The folded rows of a bucket (empty when nothing was committed for it).</summary>
    public IReadOnlyDictionary<RollupKey, AggregateState> Rows(RollupLevel level, long bucket) =>
        _buckets.TryGetValue((level, bucket), out var rows) ? rows : new Dictionary<RollupKey, AggregateState>();

    /// <summary>Drops a bucket once its coarse rows are committed.</summary>
    public void Remove(RollupLevel level, long bucket) => _buckets.Remove((level, bucket));

    /// <summary>
    /// Forgets everything after a change that rewrote rollups outside this bookkeeping (a meter's rebuild starting):
    /// the buckets held so far are read back from the store when their turn comes.
    /// </summary>
    public void Forget()
    {
        foreach (var (level, bucket) in _buckets.Keys)
        {
            if (level == RollupLevel.Hour)
            {
                _completeHoursFrom = Math.Max(_completeHoursFrom, After(level, bucket));
            }
            else
            {
                _completeDaysFrom = Math.Max(_completeDaysFrom, After(level, bucket));
            }
        }

        _buckets.Clear();
    }

    private static long After(RollupLevel level, long ticks) =>
        ticks == long.MinValue ? long.MinValue : Rollups.BucketStart(level, ticks) + Rollups.Width(level);
}
