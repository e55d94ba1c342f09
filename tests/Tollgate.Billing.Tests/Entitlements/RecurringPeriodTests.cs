using System.Globalization;
using Tollgate.Billing.Entitlements;

namespace Tollgate.Billing.Tests.Entitlements;

public sealed class RecurringPeriodTests
{
    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    [Fact]
    public void Months_anchored_on_the_31st_end_on_the_last_day_of_short_months_and_return_to_the_31st()
    {
        var monthly = new RecurringPeriod { Interval = "MONTH", Anchor = At("2024-01-31T10:00:00Z") };
        Assert.Equal(["2024-02-29T10:00", "2024-03-31T10:00", "2024-04-30T10:00", "2024-05-31T10:00"],
            monthly.StartsBetween(At("2024-01-31T10:00:00Z"), At("2024-05-31T10:00:00Z")).Select(Iso));
        var (from, to) = monthly.PeriodAt(At("2024-03-15T00:00:00Z"));
        Assert.Equal(("2024-02-29T10:00", "2024-03-31T10:00"), (Iso(from), Iso(to)));
        var (before, _) = monthly.PeriodAt(At("2023-12-01T00:00:00Z"));
        Assert.Equal("2023-11-30T10:00", Iso(before));
    }

    [Theory]
    [InlineData("DAY", "P1D", "2024-01-03T00:00", "2024-01-04T00:00")]
    [InlineData("WEEK", "P1W", "2024-01-01T00:00", "2024-01-08T00:00")]
    [InlineData("YEAR", "P1Y", "2024-01-01T00:00", "2025-01-01T00:00")]
    [InlineData("P2W", "P2W", "2024-01-01T00:00", "2024-01-15T00:00")]
    [InlineData("PT6H", "PT6H", "2024-01-03T12:00", "2024-01-03T18:00")]
    [InlineData("P1M1D", "P1M1D", "2024-01-01T00:00", "2024-02-02T00:00")]
    public void Periods_hold_the_instant(string interval, string iso, string from, string to)
    {
        var period = new RecurringPeriod { Interval = interval, Anchor = At("2024-01-01T00:00:00Z") };
        Assert.Equal(iso, period.IntervalISO);
        var (start, end) = period.PeriodAt(At("2024-01-03T13:30:00Z"));
        Assert.Equal((from, to), (Iso(start), Iso(end)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1.5M")]
    [InlineData("month")]
    [InlineData("P0D")]
    [InlineData("1M")]
    public void Intervals_that_are_not_whole_iso_durations_or_enum_values_are_refused(string? interval) =>
        Assert.Null(RecurringPeriod.Parse(interval));
}
