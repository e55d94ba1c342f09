using System.Text.Json;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Tests.Catalog;

public sealed class RateCardJsonTests
{
    [Fact]
    public void Omitted_fields_take_openmeter_defaults()
    {
        var plan = JsonSerializer.Deserialize("""
            {"name":"x","key":"x","billingCadence":"P1M","proRatingConfig":{},"phases":[{"key":"a","name":"A","rateCards":[
              {"type":"usage_based","key":"d","name":"d","billingCadence":"P1M","price":{"type":"dynamic"}},
              {"type":"flat_fee","key":"f","name":"f","billingCadence":"P1M","price":{"type":"flat","amount":"1"}}]}]}
            """, PlanJson.Default.PlanCreate)!;
        Assert.Equal(new ProRatingConfig(Enabled: true, Mode: ProRatingMode.ProratePrices), plan.ProRatingConfig);
        Assert.Equal(1m, Assert.IsType<DynamicPrice>(plan.Phases![0]!.RateCards[1 - 1].Price).Multiplier);
        Assert.Equal(PaymentTerm.InAdvance, Assert.IsType<FlatPrice>(plan.Phases[0]!.RateCards[1].Price).PaymentTerm);
    }

    [Fact]
    public void The_type_may_come_after_the_other_properties()
    {
        var rateCard = JsonSerializer.Deserialize("""{"key":"f","name":"f","billingCadence":"P1M","price":{"amount":"2","type":"flat"},"type":"flat_fee"}""", PlanJson.Default.RateCard);
        Assert.Equal(2m, Assert.IsType<FlatPrice>(Assert.IsType<FlatFeeRateCard>(rateCard).Price).Amount);
    }
}
