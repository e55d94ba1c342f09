using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Tests.Catalog;

public sealed class PlanRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly BillingState State = BillingState.Empty
        .With(Feature.Kind.Name, "f1", new Feature { Id = "f1", Key = "ai_token", Name = "ai-token", MeterSlug = "kong_konnect_llm_tokens", CreatedAt = Now, UpdatedAt = Now }, 1)
        .With(Feature.Kind.Name, "f2", new Feature { Id = "f2", Key = "support", Name = "Support", CreatedAt = Now, UpdatedAt = Now }, 1)
        .With(Feature.Kind.Name, "f3", new Feature { Id = "f3", Key = "old", Name = "Old", MeterSlug = "m", CreatedAt = Now, UpdatedAt = Now, ArchivedAt = Now }, 1);

    private static UsageBasedRateCard Tokens => new()
    {
        Key = "ai_token",
        Name = "ai-token",
        FeatureKey = "ai_token",
        BillingCadence = "P1M",
        Price = new UnitPrice { Amount = 0.00002m },
        EntitlementTemplate = new BooleanEntitlementTemplate(),
    };

    /// <summary>The seed's Token plan: one phase, tokens at 0.00002 USD.</summary>
    internal static Plan Plan(params RateCard[] rateCards) => new()
    {
        Id = "p1",
        Name = "Token",
        Key = "token",
        Version = 1,
        Currency = "USD",
        BillingCadence = "P1M",
        CreatedAt = Now,
        UpdatedAt = Now,
        Phases = [new PlanPhase { Key = "default", Name = "Default", RateCards = rateCards.Length == 0 ? [Tokens] : rateCards }],
    };

    private static void Refused(Plan plan, string field)
    {
        var refused = Assert.Throws<BillingValidationException>(() => PlanRules.Validate(State, plan));
        Assert.Equal(field, refused.Field);
    }

    [Fact]
    public void The_seed_plan_is_valid()
    {
        PlanRules.Validate(State, Plan());
        Assert.Empty(PlanRules.PublishIssues(Plan()));
    }

    [Fact]
    public void Name_is_required() => Refused(Plan() with { Name = " " }, "name");

    [Fact]
    public void Key_must_be_a_key() => Refused(Plan() with { Key = "Token" }, "key");

    [Fact]
    public void Currency_must_be_iso_4217() => Refused(Plan() with { Currency = "usd" }, "currency");

    [Fact]
    public void Billing_cadence_must_be_a_duration_of_an_hour_or_more()
    {
        Refused(Plan() with { BillingCadence = "monthly" }, "billingCadence");
        Refused(Plan() with { BillingCadence = "PT30M" }, "billingCadence");
    }

    [Fact]
    public void A_plan_needs_a_phase() => Refused(Plan() with { Phases = [] }, "phases");

    [Fact]
    public void Every_phase_but_the_last_has_a_duration()
    {
        var phase = Plan().Phases[0];
        Refused(Plan() with { Phases = [phase with { Key = "trial" }, phase] }, "phases[0].duration");
        Refused(Plan() with { Phases = [phase with { Duration = "P1M" }] }, "phases[0].duration");
        Refused(Plan() with { Phases = [phase with { Key = "trial", Duration = "PT1M" }, phase] }, "phases[0].duration");
        PlanRules.Validate(State, Plan() with { Phases = [phase with { Key = "trial", Duration = "P14D" }, phase] });
    }

    [Fact]
    public void Phase_keys_are_unique()
    {
        var phase = Plan().Phases[0];
        Refused(Plan() with { Phases = [phase with { Duration = "P1M" }, phase] }, "phases[1].key");
    }

    [Fact]
    public void Rate_card_keys_are_unique_in_a_phase() =>
        Refused(Plan(Fee("setup"), Fee("setup")), "phases[0].rateCards[1].key");

    [Fact]
    public void A_rate_card_for_a_feature_is_keyed_by_it() =>
        Refused(Plan(Tokens with { Key = "tokens" }), "phases[0].rateCards[0].key");

    [Fact]
    public void The_feature_must_exist_and_not_be_archived()
    {
        Refused(Plan(Tokens with { Key = "nope", FeatureKey = "nope" }), "phases[0].rateCards[0].featureKey");
        Refused(Plan(Tokens with { Key = "old", FeatureKey = "old" }), "phases[0].rateCards[0].featureKey");
    }

    [Fact]
    public void A_usage_based_rate_card_needs_a_metered_feature()
    {
        Refused(Plan(Tokens with { FeatureKey = null, EntitlementTemplate = null }), "phases[0].rateCards[0].featureKey");
        Refused(Plan(Tokens with { Key = "support", FeatureKey = "support" }), "phases[0].rateCards[0].featureKey");
    }

    [Fact]
    public void A_usage_based_rate_card_needs_a_cadence() =>
        Refused(Plan(Tokens with { BillingCadence = null }), "phases[0].rateCards[0].billingCadence");

    [Fact]
    public void Billable_cadences_align_with_the_plan()
    {
        Refused(Plan(Tokens with { BillingCadence = "P1W" }), "phases[0].rateCards[0].billingCadence");
        PlanRules.Validate(State, Plan(Tokens with { BillingCadence = "P1Y" }));
        PlanRules.Validate(State, Plan(Tokens with { BillingCadence = "P1W", Price = null }));
    }

    [Fact]
    public void Billable_cadences_of_a_phase_align_with_each_other() =>
        Refused(Plan(Fee("a") with { BillingCadence = "P2M" }, Fee("b") with { BillingCadence = "P3M" }) with { BillingCadence = "P6M" }, "phases[0].rateCards[1].billingCadence");

    [Fact]
    public void An_entitlement_template_needs_a_feature() =>
        Refused(Plan(Fee("setup") with { EntitlementTemplate = new BooleanEntitlementTemplate() }), "phases[0].rateCards[0].featureKey");

    [Fact]
    public void A_metered_entitlement_needs_a_metered_feature() =>
        Refused(Plan(Fee("support") with { FeatureKey = "support", EntitlementTemplate = new MeteredEntitlementTemplate() }), "phases[0].rateCards[0].entitlementTemplate.type");

    [Fact]
    public void A_metered_entitlement_priority_needs_an_amount_and_its_period_an_hour() =>
        Assert.Multiple(
            () => Refused(Plan(Tokens with { EntitlementTemplate = new MeteredEntitlementTemplate { IssueAfterResetPriority = 2 } }), "phases[0].rateCards[0].entitlementTemplate.issueAfterReset"),
            () => Refused(Plan(Tokens with { EntitlementTemplate = new MeteredEntitlementTemplate { IssueAfterReset = 5, IssueAfterResetPriority = 0 } }), "phases[0].rateCards[0].entitlementTemplate.issueAfterResetPriority"),
            () => Refused(Plan(Tokens with { EntitlementTemplate = new MeteredEntitlementTemplate { IssueAfterReset = -1 } }), "phases[0].rateCards[0].entitlementTemplate.issueAfterReset"),
            () => Refused(Plan(Tokens with { EntitlementTemplate = new MeteredEntitlementTemplate { UsagePeriod = "PT10M" } }), "phases[0].rateCards[0].entitlementTemplate.usagePeriod"));

    [Fact]
    public void A_static_entitlement_config_is_json() =>
        Refused(Plan(Fee("support") with { FeatureKey = "support", EntitlementTemplate = new StaticEntitlementTemplate { Config = "{seats: 5}" } }), "phases[0].rateCards[0].entitlementTemplate.config");

    [Fact]
    public void A_flat_fee_takes_a_flat_price_and_in_arrears_needs_a_cadence()
    {
        Refused(Plan(Fee("setup") with { Price = new UnitPrice { Amount = 1 } }), "phases[0].rateCards[0].price.type");
        Refused(Plan(Fee("setup") with { BillingCadence = null, Price = new FlatPrice { Amount = 1, PaymentTerm = PaymentTerm.InArrears } }), "phases[0].rateCards[0].price.paymentTerm");
        PlanRules.Validate(State, Plan(Fee("setup") with { BillingCadence = null }));
    }

    [Fact]
    public void Tiers_ascend_and_only_the_last_is_open()
    {
        static TieredPrice Tiered(params decimal?[] upTo) => new()
        {
            Mode = TieredPriceMode.Graduated,
            Tiers = [.. upTo.Select(u => new PriceTier { UpToAmount = u, UnitPrice = new TierUnitPrice { Amount = 1 } })],
        };

        Refused(Plan(Tokens with { Price = Tiered(100, 100, null) }), "phases[0].rateCards[0].price.tiers[1].upToAmount");
        Refused(Plan(Tokens with { Price = Tiered(null, 100) }), "phases[0].rateCards[0].price.tiers[0].upToAmount");
        Refused(Plan(Tokens with { Price = Tiered(0, null) }), "phases[0].rateCards[0].price.tiers[0].upToAmount");
        Refused(Plan(Tokens with { Price = Tiered() }), "phases[0].rateCards[0].price.tiers");
        Refused(Plan(Tokens with { Price = new TieredPrice { Mode = TieredPriceMode.Volume, Tiers = [new PriceTier()] } }), "phases[0].rateCards[0].price.tiers[0]");
        PlanRules.Validate(State, Plan(Tokens with { Price = Tiered(100, 1000, null) }));
    }

    [Fact]
    public void Commitments_are_ordered_and_amounts_not_negative()
    {
        Refused(Plan(Tokens with { Price = new UnitPrice { Amount = 1, MinimumAmount = 10, MaximumAmount = 5 } }), "phases[0].rateCards[0].price.minimumAmount");
        Refused(Plan(Tokens with { Price = new UnitPrice { Amount = -0.1m } }), "phases[0].rateCards[0].price.amount");
        Refused(Plan(Tokens with { Price = new PackagePrice { Amount = 1, QuantityPerPackage = 0 } }), "phases[0].rateCards[0].price.quantityPerPackage");
        Refused(Plan(Tokens with { Price = new DynamicPrice(Multiplier: -1) }), "phases[0].rateCards[0].price.multiplier");
    }

    [Fact]
    public void Discounts_need_a_price_and_stay_in_range()
    {
        Refused(Plan(Tokens with { Price = null, Discounts = new Discounts { Percentage = new DiscountPercentage { Percentage = 10 } } }), "phases[0].rateCards[0].discounts");
        Refused(Plan(Tokens with { Discounts = new Discounts { Percentage = new DiscountPercentage { Percentage = 100.5m } } }), "phases[0].rateCards[0].discounts.percentage.percentage");
        Refused(Plan(Tokens with { Discounts = new Discounts { Usage = new DiscountUsage { Quantity = 0 } } }), "phases[0].rateCards[0].discounts.usage.quantity");
        Refused(Plan(Fee("setup") with { Discounts = new Discounts { Usage = new DiscountUsage { Quantity = 5 } } }), "phases[0].rateCards[0].discounts.usage");
    }

    [Fact]
    public void A_phase_without_rate_cards_is_a_draft_issue_not_an_error()
    {
        var plan = Plan() with { Phases = [Plan().Phases[0] with { RateCards = [] }] };
        PlanRules.Validate(State, plan);
        var issue = Assert.Single(PlanRules.PublishIssues(plan));
        Assert.Equal(new ValidationError("phases[0].rateCards", "plan_phase_has_no_rate_cards", "plan phase must have at least one rate card"), issue);
    }

    private static FlatFeeRateCard Fee(string key) => new()
    {
        Key = key,
        Name = key,
        BillingCadence = "P1M",
        Price = new FlatPrice { Amount = 10 },
    };
}
