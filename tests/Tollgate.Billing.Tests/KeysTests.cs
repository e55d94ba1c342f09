namespace Tollgate.Billing.Tests;

public sealed class KeysTests
{
    [Theory]
    [InlineData("ai_token")]
    [InlineData("a")]
    [InlineData("plan2_pro")]
    [InlineData("ai-token")]
    [InlineData("kong-air_pro-2")]
    public void Accepts_openmeter_keys(string key) => Assert.Equal(key, Keys.Require("key", key));

    [Theory]
    [InlineData("")]
    [InlineData("AI")]
    [InlineData("ai__token")]
    [InlineData("ai--token")]
    [InlineData("ai_-token")]
    [InlineData("-ai")]
    [InlineData("ai-")]
    [InlineData("_ai")]
    [InlineData("ai_")]
    public void Refuses_other_keys_naming_the_field(string key)
    {
        var error = Assert.Throws<BillingValidationException>(() => Keys.Require("plan.key", key));
        Assert.Equal("plan.key", error.Field);
    }

    [Fact]
    public void Refuses_keys_longer_than_64() =>
        Assert.Throws<BillingValidationException>(() => Keys.Require("key", new string('a', 65)));
}
