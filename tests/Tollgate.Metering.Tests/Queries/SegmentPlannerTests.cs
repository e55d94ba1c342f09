using Tollgate.Metering.Queries;

namespace Tollgate.Metering.Tests.Queries;

public sealed class SegmentPlannerTests
{
    private static long T(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks;

    private static readonly RollupCoverage Complete = new(long.MaxValue, long.MaxValue);

    private static List<QuerySegment> Plan(RollupCoverage coverage, params (string From, string To)[] windows)
    {
        var segments = new List<QuerySegment>();
        foreach (var (from, to) in windows)
        {
            SegmentPlanner.Plan(T(from), T(to), coverage, segments);
        }

        return segments;
    }

    private static List<QuerySegment> Plan(params (string From, string To)[] windows) => Plan(Complete, windows);

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

    [Fact]
    public void The_open_day_and_hour_are_read_as_minutes_until_compacted()
    {
        // Compacted: hours before 10:00 on the 3rd, days before the 3rd.
        var coverage = new RollupCoverage(T("2024-01-03T10:00:00Z"), T("2024-01-03T00:00:00Z"));
        Assert.Equal(
            [
                new QuerySegment(RollupLevel.Day, T("2024-01-01T00:00:00Z"), T("2024-01-03T00:00:00Z")),
                new QuerySegment(RollupLevel.Hour, T("2024-01-03T00:00:00Z"), T("2024-01-03T10:00:00Z")),
                new QuerySegment(RollupLevel.Minute, T("2024-01-03T10:00:00Z"), T("2024-01-03T12:00:00Z")),
            ],
            Plan(coverage, ("2024-01-01T00:00:00Z", "2024-01-03T12:00:00Z")));
    }

    [Fact]
    public void Nothing_compacted_reads_minutes_only()
    {
        Assert.Equal([new QuerySegment(RollupLevel.Minute, T("2024-01-01T00:00:00Z"), T("2024-01-03T00:00:00Z"))],
            Plan(RollupCoverage.None, ("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z")));
    }

    [Theory]
    [InlineData("2024-01-03T09:59:59Z", true, false)]
    [InlineData("2024-01-03T10:00:00Z", false, false)]
    [InlineData("2024-01-02T23:59:59Z", true, true)]
    public void Ingest_writes_coarse_rows_only_where_they_are_already_compacted(string time, bool hour, bool day)
    {
        var coverage = new RollupCoverage(T("2024-01-03T10:00:00Z"), T("2024-01-03T00:00:00Z"));
        Assert.True(coverage.Writes(RollupLevel.Minute, T(time)));
        Assert.Equal(hour, coverage.Writes(RollupLevel.Hour, T(time)));
        Assert.Equal(day, coverage.Writes(RollupLevel.Day, T(time)));
    }
}
