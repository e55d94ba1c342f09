using System.Globalization;
using Tollgate.Billing.Invoicing.Rendering;

namespace Tollgate.Billing.Tests.Invoicing.Rendering;

public sealed class DocumentFormatTests
{
    private static decimal D(string value) => decimal.Parse(value, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("USD", "2.47", "2.47 USD")]
    [InlineData("USD", "35", "35.00 USD")]
    [InlineData("USD", "-3.5", "-3.50 USD")]
    [InlineData("USD", "1234567.8", "1234567.80 USD")]
    [InlineData("JPY", "1235", "1235 JPY")]
    [InlineData("BHD", "12.5", "12.500 BHD")]
    public void Money_has_exactly_the_currency_s_decimals_and_its_code(string code, string amount, string expected) =>
        Assert.Equal(expected, DocumentFormat.Money(D(amount), Currencies.Require("currency", code)));

    [Theory]
    [InlineData("USD", "0.00002", "0.00002 USD")]
    [InlineData("USD", "0.005", "0.005 USD")]
    [InlineData("USD", "0.01", "0.01 USD")]
    [InlineData("USD", "5", "5.00 USD")]
    [InlineData("USD", "0.50000", "0.50 USD")]
    [InlineData("JPY", "0.5", "0.5 JPY")]
    [InlineData("JPY", "3", "3 JPY")]
    [InlineData("BHD", "0.0125", "0.0125 BHD")]
    public void Unit_prices_are_exact_but_never_show_fewer_decimals_than_the_currency(string code, string price, string expected) =>
        Assert.Equal(expected, DocumentFormat.UnitPrice(D(price), Currencies.Require("currency", code)));

    [Theory]
    [InlineData("123456", "123456")]
    [InlineData("6000.000", "6000")]
    [InlineData("0.5", "0.5")]
    [InlineData("0.0000000001", "0.0000000001")]
    public void Quantities_drop_trailing_zeros_and_are_not_grouped(string quantity, string expected) =>
        Assert.Equal(expected, DocumentFormat.Quantity(D(quantity)));

    [Fact]
    public void Dates_are_the_UTC_calendar_date()
    {
        // 01:30 on 1 November in UTC+2 is still 31 October in UTC.
        Assert.Equal("2026-10-31", DocumentFormat.Date(new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.FromHours(2))));
        Assert.Equal(
            "2026-10-01 – 2026-11-01",
            DocumentFormat.Period(new(new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero))));
    }
}
