using Tollgate.Metering.Queries;

namespace Tollgate.Metering.Tests.Queries;

public sealed class SegmentPlannerTests
{
    private static long T(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks;

    private static List<QuerySegment> Plan(params (string From, string To)[] windows)
    {
        var segments = new List<QuerySegment>();
        foreach (var (from, to) in windows)
        {
            SegmentPlanner.Plan(T(from), T(to), segments);
        }

        return segments;
    }

    [Fact]
    public void A_utc_month_is_one_daily_read()
    {
        Assert.Equal([new QuerySegment(RollupLevel.Day, T("2024-01-01T00:00:00Z"), T("2024-02-01T00:00:00Z"))],
            Plan(("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")));
    }

    [Fact]
    public void Ragged_edges_use_finer_levels_and_raw_events_only_below_a_minute()
    {
        Assert.Equal(
            [
                new QuerySegment(RollupLevel.Raw, T("2024-01-01T22:58:30Z"), T("2024-01-01T22:59:00Z")),
                new QuerySegment(RollupLevel.Minute, T("2024-01-01T22:59:00Z"), T("2024-01-01T23:00:00Z")),
                new QuerySegment(RollupLevel.Hour, T("2024-01-01T23:00:00Z"), T("2024-01-02T00:00:00Z")),
                new QuerySegment(RollupLevel.Day, T("2024-01-02T00:00:00Z"), T("2024-01-04T00:00:00Z")),
                new QuerySegment(RollupLevel.Hour, T("2024-01-04T00:00:00Z"), T("2024-01-04T02:00:00Z")),
                new QuerySegment(RollupLevel.Minute, T("2024-01-04T02:00:00Z"), T("2024-01-04T02:03:00Z")),
                new QuerySegment(RollupLevel.Raw, T("2024-01-04T02:03:00Z"), T("2024-01-04T02:03:00.5Z")),
            ],
            Plan(("2024-01-01T22:58:30Z", "2024-01-04T02:03:00.5Z")));
    }

    [Fact]
    public void New_york_days_merge_into_one_hourly_read()
    {
        Assert.Equal([new QuerySegment(RollupLevel.Hour, T("2024-03-09T05:00:00Z"), T("2024-03-12T04:00:00Z"))],
            Plan(("2024-03-09T05:00:00Z", "2024-03-10T05:00:00Z"), ("2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z"), ("2024-03-11T04:00:00Z", "2024-03-12T04:00:00Z")));
    }

    [Fact]
    public void Kolkata_days_read_minutes_only_around_the_half_hour()
    {
        var segments = Plan(("2024-01-01T18:30:00Z", "2024-01-02T18:30:00Z"), ("2024-01-02T18:30:00Z", "2024-01-03T18:30:00Z"));
        Assert.Equal(
            [
                new QuerySegment(RollupLevel.Minute, T("2024-01-01T18:30:00Z"), T("2024-01-01T19:00:00Z")),
                new QuerySegment(RollupLevel.Hour, T("2024-01-01T19:00:00Z"), T("2024-01-02T18:00:00Z")),
                new QuerySegment(RollupLevel.Minute, T("2024-01-02T18:00:00Z"), T("2024-01-02T19:00:00Z")),
                new QuerySegment(RollupLevel.Hour, T("2024-01-02T19:00:00Z"), T("2024-01-03T18:00:00Z")),
                new QuerySegment(RollupLevel.Minute, T("2024-01-03T18:00:00Z"), T("2024-01-03T18:30:00Z")),
            ],
            segments);
    }
}
