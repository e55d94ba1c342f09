namespace Tollgate.Billing.Tests;

public sealed class CurrenciesTests
{
    [Theory]
    [InlineData("USD", 2)]
    [InlineData("EUR", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("BHD", 3)]
    [InlineData("KWD", 3)]
    public void Knows_the_minor_units(string code, int minor)
    {
        Assert.True(Currencies.TryGet(code, out var currency));
        Assert.Equal(minor, currency.MinorUnits);
    }

    [Theory]
    [InlineData("USD", "0.125", "0.13")]
    [InlineData("USD", "-0.125", "-0.13")]
    [InlineData("USD", "0.124999", "0.12")]
    [InlineData("JPY", "2.5", "3")]
    [InlineData("BHD", "1.0005", "1.001")]
    public void Rounds_half_away_from_zero_to_the_minor_unit(string code, string amount, string expected)
    {
        var currency = Currencies.Require("currency", code);
        Assert.Equal(expected, Currencies.Format(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency));
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("XXX")]
    [InlineData("")]
    public void Refuses_unknown_codes_naming_the_field(string code) =>
        Assert.Equal("currency", Assert.Throws<BillingValidationException>(() => Currencies.Require("currency", code)).Field);
}
