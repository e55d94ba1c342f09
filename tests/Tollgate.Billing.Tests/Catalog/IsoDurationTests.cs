using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Tests.Catalog;

public sealed class IsoDurationTests
{
    [Theory]
    [InlineData("P1M", 0, 1, 0, 0, 0, 0, 0)]
    [InlineData("P1Y", 1, 0, 0, 0, 0, 0, 0)]
    [InlineData("P3M", 0, 3, 0, 0, 0, 0, 0)]
    [InlineData("P2W", 0, 0, 2, 0, 0, 0, 0)]
    [InlineData("P7D", 0, 0, 0, 7, 0, 0, 0)]
    [InlineData("PT1H", 0, 0, 0, 0, 1, 0, 0)]
    [InlineData("P1DT12H", 0, 0, 0, 1, 12, 0, 0)]
    [InlineData("P1Y2M3DT4H5M6S", 1, 2, 0, 3, 4, 5, 6)]
    public void Parses_whole_number_durations(string text, int years, int months, int weeks, int days, int hours, int minutes, int seconds)
    {
        Assert.True(IsoDuration.TryParse(text, out var duration));
        Assert.Equal(new IsoDuration(years, months, weeks, days, hours, minutes, seconds), duration);
        Assert.Equal(text, duration.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("1M")]
    [InlineData("PT")]
    [InlineData("P1")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("P1M1Y")]
    [InlineData("P1D1D")]
    [InlineData("P1.5M")]
    [InlineData("P-1M")]
    [InlineData("p1m")]
    [InlineData("P1MT")]
    public void Refuses_what_is_not_a_duration(string text)
    {
        Assert.False(IsoDuration.TryParse(text, out _));
        var refused = Assert.Throws<BillingValidationException>(() => IsoDuration.Parse("billingCadence", text));
        Assert.Equal("billingCadence", refused.Field);
    }

    [Theory]
    [InlineData("P1M", "P1M", true)]
    [InlineData("P1Y", "P12M", true)]
    [InlineData("P1Y", "P1M", true)]
    [InlineData("P3M", "P1M", true)]
    [InlineData("P1M", "P3M", true)]
    [InlineData("P6M", "P2M", true)]
    [InlineData("P2M", "P3M", false)]
    [InlineData("P1W", "P1D", true)]
    [InlineData("P1D", "PT1H", true)]
    [InlineData("P1D", "PT7H", false)]
    [InlineData("P2W", "P1W", true)]
    [InlineData("P1M", "P1W", false)]
    [InlineData("P1M", "P4W", false)]
    [InlineData("P1M", "P30D", false)]
    [InlineData("P1Y", "P1D", false)]
    public void Cadences_align_when_one_is_a_whole_multiple_of_the_other(string a, string b, bool aligned)
    {
        Assert.Equal(aligned, IsoDuration.Aligned(IsoDuration.Parse("a", a), IsoDuration.Parse("b", b)));
        Assert.Equal(aligned, IsoDuration.Aligned(IsoDuration.Parse("b", b), IsoDuration.Parse("a", a)));
    }

    [Theory]
    [InlineData("PT1H", true)]
    [InlineData("PT59M", false)]
    [InlineData("PT3600S", true)]
    [InlineData("P1D", true)]
    [InlineData("P1M", true)]
    [InlineData("P0D", false)]
    public void Knows_whether_a_duration_is_at_least_an_hour(string text, bool atLeastAnHour) =>
        Assert.Equal(atLeastAnHour, IsoDuration.Parse("d", text).IsAtLeastAnHour);

    [Theory]
    [InlineData("2026-01-31T00:00:00Z", "P1M", "2026-02-28T00:00:00Z")]
    [InlineData("2024-01-31T00:00:00Z", "P1M", "2024-02-29T00:00:00Z")]
    [InlineData("2026-03-15T10:00:00Z", "P1Y", "2027-03-15T10:00:00Z")]
    [InlineData("2026-03-15T10:00:00Z", "P2W", "2026-03-29T10:00:00Z")]
    [InlineData("2026-03-15T23:30:00Z", "PT1H", "2026-03-16T00:30:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "P1M1D", "2026-03-01T00:00:00Z")]
    public void Adds_calendar_parts_first(string start, string duration, string end) =>
        Assert.Equal(
            DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture),
            IsoDuration.Parse("d", duration).AddTo(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture)));
}
