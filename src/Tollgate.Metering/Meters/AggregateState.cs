namespace Tollgate.Metering.Meters;

/// <summary>
/// The mergeable state behind every aggregation but UNIQUE_COUNT: count, exact decimal sum, min, max and the
/// latest value. Rollup rows store it; queries merge rows and read the figure the meter asks for.
/// </summary>
public struct AggregateState
{
    public long Count { get; set; }
    public decimal Sum { get; set; }
    public decimal? Min { get; set; }
    public decimal? Max { get; set; }
    public long LatestTicks { get; set; }
    public decimal? Latest { get; set; }

    public static AggregateState Of(decimal value, long timeTicks) => new()
    {
        Count = 1,
        Sum = value,
        Min = value,
        Max = value,
        LatestTicks = timeTicks,
        Latest = value,
    };

    public void Add(decimal value, long timeTicks) => Merge(Of(value, timeTicks));

    public void Merge(in AggregateState other)
    {
        if (other.Count == 0)
        {
            return;
        }

        Count += other.Count;
        Sum += other.Sum;
        Min = Min is { } min && other.Min is { } otherMin ? Math.Min(min, otherMin) : Min ?? other.Min;
        Max = Max is { } max && other.Max is { } otherMax ? Math.Max(max, otherMax) : Max ?? other.Max;

        // Ties go to the value merged last, which is the later-ingested one on the ingest path.
        if (other.Latest is not null && (Latest is null || other.LatestTicks >= LatestTicks))
        {
            LatestTicks = other.LatestTicks;
            Latest = other.Latest;
        }
    }

    /// <summary>The meter's figure; null when nothing was aggregated (MIN, MAX, LATEST, AVG of no events).</summary>
    public readonly decimal? Result(MeterAggregation aggregation) => aggregation switch
    {
        MeterAggregation.Count => Count,
        MeterAggregation.Sum => Sum,
        MeterAggregation.Avg => Count == 0 ? null : Sum / Count,
        MeterAggregation.Min => Min,
        MeterAggregation.Max => Max,
        MeterAggregation.Latest => Latest,
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "UNIQUE_COUNT is not a rollup aggregation"),
    };
}
