using System.Globalization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Tests.Subscriptions;

public sealed class BillingPeriodsTests
{
    private static DateTimeOffset T(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    private static IsoDuration D(string text) => IsoDuration.Parse("cadence", text);

    [Theory]
    [InlineData("2026-01-31T00:00:00Z", "P1M", 1, "2026-02-28T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", 2, "2026-03-31T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", 3, "2026-04-30T00:00:00Z")]
    [InlineData("2028-01-31T00:00:00Z", "P1M", 1, "2028-02-29T00:00:00Z")]
    [InlineData("2028-01-31T00:00:00Z", "P1M", 2, "2028-03-31T00:00:00Z")]
    [InlineData("2028-02-29T10:30:00Z", "P1Y", 1, "2029-02-28T10:30:00Z")]
    [InlineData("2028-02-29T10:30:00Z", "P1Y", 4, "2032-02-29T10:30:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", -1, "2025-12-31T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", -2, "2025-11-30T00:00:00Z")]
    [InlineData("2026-03-01T00:00:00Z", "P2W", 3, "2026-04-12T00:00:00Z")]
    [InlineData("2026-03-01T00:00:00Z", "PT1H", 25, "2026-03-02T01:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P3M", 1, "2026-04-30T00:00:00Z")]
    public void Boundaries_are_multiples_of_the_cadence_from_the_anchor_with_month_ends_clamped(string anchor, string cadence, long k, string expected) =>
        Assert.Equal(T(expected), BillingPeriods.Boundary(T(anchor), D(cadence), k));

    [Theory]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2026-01-31T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2026-02-27T23:59:59Z", "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2026-02-28T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2026-03-30T12:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2026-03-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z")]
    [InlineData("2028-01-31T00:00:00Z", "P1M", "2028-02-29T00:00:00Z", "2028-02-29T00:00:00Z", "2028-03-31T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2025-12-31T00:00:01Z", "2025-12-31T00:00:00Z", "2026-01-31T00:00:00Z")]
    [InlineData("2026-01-15T08:00:00Z", "P1Y", "2031-06-01T00:00:00Z", "2031-01-15T08:00:00Z", "2032-01-15T08:00:00Z")]
    [InlineData("2026-03-01T00:00:00Z", "P1W", "2026-03-20T00:00:00Z", "2026-03-15T00:00:00Z", "2026-03-22T00:00:00Z")]
    [InlineData("2026-03-01T00:00:00Z", "P1D", "2026-02-27T05:00:00Z", "2026-02-27T00:00:00Z", "2026-02-28T00:00:00Z")]
    public void The_period_at_a_moment_contains_it_from_its_start_to_the_next_boundary(string anchor, string cadence, string at, string from, string to)
    {
        var period = BillingPeriods.PeriodAt(T(anchor), D(cadence), T(at));
        Assert.Equal(new BillingPeriod(T(from), T(to)), period);
        Assert.Equal(T(to), BillingPeriods.NextBoundary(T(anchor), D(cadence), T(at)));
    }

    [Fact]
    public void Twelve_monthly_periods_from_Jan_31_tile_the_year_without_gaps_or_drift()
    {
        var anchor = T("2028-01-31T00:00:00Z");
        var at = anchor;
        string[] expected = ["2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31", "2028-06-30", "2028-07-31", "2028-08-31", "2028-09-30", "2028-10-31", "2028-11-30", "2028-12-31", "2029-01-31"];
        foreach (var end in expected)
        {
            var period = BillingPeriods.PeriodAt(anchor, D("P1M"), at);
            Assert.Equal(at, period.From);
            Assert.Equal(T($"{end}T00:00:00Z"), period.To);
            at = period.To;
        }
    }

    [Fact]
    public void Durations_are_summed_part_by_part()
    {
        Assert.Equal("P1M14D", BillingPeriods.Sum(D("P14D"), D("P1M")).ToString());
        Assert.Equal("P1Y2MT1H", BillingPeriods.Sum(D("P1Y1M"), D("P1MT1H")).ToString());
    }

    [Fact]
    public void A_zero_cadence_has_no_periods() =>
        Assert.Throws<ArgumentException>(() => BillingPeriods.PeriodAt(T("2026-01-01T00:00:00Z"), default, T("2026-02-01T00:00:00Z")));
}
