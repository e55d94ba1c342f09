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

    /// <summary>
    /// Adds committed minute-level deltas to the coarse buckets that ingest did not write directly: the hour when
    /// it is not compacted yet (its day then receives the folded hour when the hour is compacted, see
    /// <see cref="Compacted"/>), else the day when that is not compacted yet.
    /// </summary>
    public void Add(Dictionary<RollupKey, AggregateState> committed, RollupCoverage coverage)
    {
        ArgumentNullException.ThrowIfNull(committed);
        foreach (var (key, delta) in committed)
        {
            if (key.Level != RollupLevel.Minute)
            {
                continue;
            }

            var level = !coverage.Writes(RollupLevel.Hour, key.BucketStart) ? RollupLevel.Hour
                : !coverage.Writes(RollupLevel.Day, key.BucketStart) ? RollupLevel.Day
                : RollupLevel.Raw;
            if (level != RollupLevel.Raw)
            {
                Merge(key with { Level = level, BucketStart = Rollups.BucketStart(level, key.BucketStart) }, delta);
            }
        }
    }

    /// <summary>
    /// Once a compaction has committed: its bucket is no longer owed, and a folded hour is owed to its day instead
    /// (when the day is not compacted yet), so the day can be compacted from memory too.
    /// </summary>
    public void Compacted(CompactionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Bucket is not { } bucket)
        {
            return;
        }

        _buckets.Remove((result.Level, bucket));
        if (result.Level == RollupLevel.Hour && !result.Coverage.Writes(RollupLevel.Day, bucket))
        {
            foreach (var (key, state) in result.Rows)
            {
                Merge(key with { Level = RollupLevel.Day, BucketStart = Rollups.BucketStart(RollupLevel.Day, key.BucketStart) }, state);
            }
        }
    }

    public bool IsComplete(RollupLevel level, long bucket) => bucket >= (level == RollupLevel.Hour ? _completeHoursFrom : _completeDaysFrom);

    /// <summary>The folded rows of a bucket (empty when nothing was committed for it).</summary>
    public IReadOnlyDictionary<RollupKey, AggregateState> Rows(RollupLevel level, long bucket) =>
        _buckets.TryGetValue((level, bucket), out var rows) ? rows : new Dictionary<RollupKey, AggregateState>();

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

    private void Merge(in RollupKey key, in AggregateState delta)
    {
        ref var rows = ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets, (key.Level, key.BucketStart), out _);
        rows ??= [];
        CollectionsMarshal.GetValueRefOrAddDefault(rows, key, out _).Merge(delta);
    }

    private static long After(RollupLevel level, long ticks) =>
        ticks == long.MinValue ? long.MinValue : Rollups.BucketStart(level, ticks) + Rollups.Width(level);
}
