namespace Tollgate.Metering.Queries;

/// <summary>Granularities of the per-meter rollups kept at ingest; <see cref="Raw"/> reads events themselves.</summary>
public enum RollupLevel
{
    Raw = 0,
    Minute = 1,
    Hour = 2,
    Day = 3,
}

/// <summary>Bucket arithmetic on UTC ticks.</summary>
public static class Rollups
{
    public static readonly RollupLevel[] Stored = [RollupLevel.Minute, RollupLevel.Hour, RollupLevel.Day];

    public static long Width(RollupLevel level) => level switch
    {
        RollupLevel.Minute => TimeSpan.TicksPerMinute,
        RollupLevel.Hour => TimeSpan.TicksPerHour,
        RollupLevel.Day => TimeSpan.TicksPerDay,
        _ => 1,
    };

    public static long BucketStart(RollupLevel level, long ticks) => ticks - (ticks % Width(level));
}

/// <summary>
/// Which coarse rollups are complete. Minute rows are always written at ingest. Hour rows exist, complete,
/// for every hour before <see cref="HoursBefore"/> and day rows for every day before <see cref="DaysBefore"/>:
/// live traffic writes only its minute row, and the writer compacts each hour (then each day) once it has
/// closed. An event for a time already compacted updates the coarse rows too, so they stay complete.
/// </summary>
public readonly record struct RollupCoverage(long HoursBefore, long DaysBefore)
{
    /// <summary>Nothing compacted: every query reads minute rows (and raw edges).</summary>
    public static RollupCoverage None => new(long.MinValue, long.MinValue);

    /// <summary>Whether a row at <paramref name="level"/> for <paramref name="ticks"/> must be written at ingest.</summary>
    public bool Writes(RollupLevel level, long ticks) => level switch
    {
        RollupLevel.Minute => true,
        RollupLevel.Hour => Rollups.BucketStart(RollupLevel.Hour, ticks) < HoursBefore,
        RollupLevel.Day => Rollups.BucketStart(RollupLevel.Day, ticks) < DaysBefore,
        _ => false,
    };

    /// <summary>Whether the rows at <paramref name="level"/> are complete for every bucket ending by <paramref name="end"/>.</summary>
    public bool Covers(RollupLevel level, long end) => level switch
    {
        RollupLevel.Minute => true,
        RollupLevel.Hour => end <= HoursBefore,
        RollupLevel.Day => end <= DaysBefore,
        _ => false,
    };
}

/// <summary>A stretch of time read at one level: <c>[Start, End)</c> in UTC ticks.</summary>
public readonly record struct QuerySegment(RollupLevel Level, long Start, long End);

/// <summary>
/// Splits a time range into the fewest rollup reads: whole UTC days where they fit, then whole hours, then
/// minutes, and raw events only for the sub-minute edges. Adjacent pieces at the same level are merged, so
/// a month of UTC days is one read, and a month of New York days is one hourly read. A coarse level is used
/// only where <see cref="RollupCoverage"/> says it is complete; the open hour and day are read as minutes.
/// </summary>
public static class SegmentPlanner
{
    public static void Plan(long start, long end, RollupCoverage coverage, List<QuerySegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var p = start;
        while (p < end)
        {
            RollupLevel level;
            long q;
            if (Fits(RollupLevel.Day, p, end) && coverage.Covers(RollupLevel.Day, p + TimeSpan.TicksPerDay))
            {
                level = RollupLevel.Day;
                q = p + ((Math.Min(end, coverage.DaysBefore) - p) / TimeSpan.TicksPerDay * TimeSpan.TicksPerDay);
            }
            else if (Fits(RollupLevel.Hour, p, end) && coverage.Covers(RollupLevel.Hour, p + TimeSpan.TicksPerHour))
            {
                level = RollupLevel.Hour;
                q = Math.Min(NextBoundary(RollupLevel.Day, p), p + ((Math.Min(end, coverage.HoursBefore) - p) / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour));
            }
            else if (Fits(RollupLevel.Minute, p, end))
            {
                level = RollupLevel.Minute;
                q = Math.Min(NextBoundary(RollupLevel.Hour, p), p + ((end - p) / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute));
            }
            else
            {
                level = RollupLevel.Raw;
                q = Math.Min(NextBoundary(RollupLevel.Minute, p), end);
            }

            Add(segments, new QuerySegment(level, p, q));
            p = q;
        }
    }

    private static bool Fits(RollupLevel level, long p, long end) => p % Rollups.Width(level) == 0 && p + Rollups.Width(level) <= end;

    private static long NextBoundary(RollupLevel level, long p) => Rollups.BucketStart(level, p) + Rollups.Width(level);

    private static void Add(List<QuerySegment> segments, QuerySegment segment)
    {
        if (segments.Count > 0 && segments[^1] is var last && last.Level == segment.Level && last.End == segment.Start)
        {
            segments[^1] = last with { End = segment.End };
        }
        else
        {
            segments.Add(segment);
        }
    }
}
