using System.Globalization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Invoicing.Pricing;

namespace Tollgate.Billing.Tests.Invoicing;

public sealed class PriceCalculatorTests
{
    private static readonly Currency Usd = Currencies.USD;

    private static Currency Of(string code) => Currencies.Require("currency", code);

    private static PriceTier Tier(decimal? upTo, decimal? unit, decimal? flat = null) => new()
    {
        UpToAmount = upTo,
        UnitPrice = unit is { } u ? new TierUnitPrice { Amount = u } : null,
        FlatPrice = flat is { } f ? new TierFlatPrice { Amount = f } : null,
    };

    // Three tiers, each with a flat and a unit price: (0, 1000] at 0.01 + 5, (1000, 5000] at 0.008 + 10, above at 0.005 + 20.
    private static TieredPrice ThreeTiers(TieredPriceMode mode) => new()
    {
        Mode = mode,
        Tiers = [Tier(null, 0.005m, 20m), Tier(1000m, 0.01m, 5m), Tier(5000m, 0.008m, 10m)],
    };

    [Fact]
    public void The_seed_prices_1234_tokens_at_0_00002_as_two_cents()
    {
        var result = PriceCalculator.Calculate("ai-token", new UnitPrice { Amount = 0.00002m }, 1234m, Usd);

        var line = Assert.Single(result.Lines);
        Assert.Equal("ai-token: usage in period", line.Description);
        Assert.Equal(1234m, line.Quantity);
        Assert.Equal(0.00002m, line.UnitPrice);
        Assert.Equal(0.02m, line.Amount);
        Assert.Equal(0.02m, result.Total);
        Assert.Equal(0m, result.FreeQuantity);
    }

    [Theory]
    [InlineData("0.005", "1", "0.01")]
    [InlineData("0.025", "1", "0.03")] // banker's rounding would give 0.02
    [InlineData("0.0125", "2", "0.03")]
    [InlineData("0.0124", "2", "0.02")]
    public void Half_a_cent_rounds_away_from_zero(string unitPrice, string quantity, string amount)
    {
        var price = new UnitPrice { Amount = decimal.Parse(unitPrice, CultureInfo.InvariantCulture) };

        var result = PriceCalculator.Calculate("x", price, decimal.Parse(quantity, CultureInfo.InvariantCulture), Usd);

        Assert.Equal(decimal.Parse(amount, CultureInfo.InvariantCulture), result.Total);
    }

    [Fact]
    public void Yen_rounds_to_whole_units()
    {
        var result = PriceCalculator.Calculate("x", new UnitPrice { Amount = 0.5m }, 3m, Of("JPY"));

        Assert.Equal(2m, result.Total);
        Assert.Equal(0.5m, Assert.Single(result.Lines).UnitPrice);
    }

    [Fact]
    public void Bahraini_dinar_rounds_to_three_decimals()
    {
        var bhd = Of("BHD");

        Assert.Equal(1.235m, PriceCalculator.Calculate("x", new UnitPrice { Amount = 1.2345m }, 1m, bhd).Total);
        Assert.Equal(0.001m, PriceCalculator.Calculate("x", new UnitPrice { Amount = 0.0005m }, 1m, bhd).Total);
    }

    [Fact]
    public void Graduated_tiers_price_each_share_at_its_tier_and_charge_every_reached_tier_s_flat_price()
    {
        var result = PriceCalculator.Calculate("api", ThreeTiers(TieredPriceMode.Graduated), 6000m, Usd);

        Assert.Equal(
            [
                ("api: usage price for tier 1 (above 0 up to 1000)", 1000m, 0.01m, 10m),
                ("api: flat price for tier 1 (above 0 up to 1000)", 1m, 5m, 5m),
                ("api: usage price for tier 2 (above 1000 up to 5000)", 4000m, 0.008m, 32m),
                ("api: flat price for tier 2 (above 1000 up to 5000)", 1m, 10m, 10m),
                ("api: usage price for tier 3 (above 5000)", 1000m, 0.005m, 5m),
                ("api: flat price for tier 3 (above 5000)", 1m, 20m, 20m),
            ],
            result.Lines.Select(l => (l.Description, l.Quantity, l.UnitPrice!.Value, l.Amount)));
        Assert.Equal(82m, result.Total);
    }

    [Fact]
    public void A_graduated_tier_includes_its_upper_bound()
    {
        var atBoundary = PriceCalculator.Calculate("api", ThreeTiers(TieredPriceMode.Graduated), 1000m, Usd);
        var pastIt = PriceCalculator.Calculate("api", ThreeTiers(TieredPriceMode.Graduated), 1001m, Usd);

        Assert.Equal(2, atBoundary.Lines.Count);
        Assert.Equal(15m, atBoundary.Total);

        // One unit into tier 2: 0.008 rounds to 0.01, and tier 2's flat 10 is charged.
        Assert.Equal(4, pastIt.Lines.Count);
        Assert.Equal(0.01m, pastIt.Lines[2].Amount);
        Assert.Equal(25.01m, pastIt.Total);
    }

    [Fact]
    public void Volume_prices_all_usage_at_the_tier_the_total_falls_into_with_the_boundary_inclusive()
    {
        var price = new TieredPrice
        {
            Mode = TieredPriceMode.Volume,
            Tiers = [Tier(100m, 1m), Tier(1000m, 0.8m, 5m), Tier(null, 0.5m)],
        };

        var atBoundary = PriceCalculator.Calculate("seats", price, 100m, Usd);
        var line = Assert.Single(atBoundary.Lines);
        Assert.Equal("seats: unit price for tier 1 (above 0 up to 100)", line.Description);
        Assert.Equal(100m, atBoundary.Total);

        var pastIt = PriceCalculator.Calculate("seats", price, 101m, Usd);
        Assert.Equal(
            [("seats: flat price for tier 2 (above 100 up to 1000)", 1m, 5m), ("seats: unit price for tier 2 (above 100 up to 1000)", 101m, 80.8m)],
            pastIt.Lines.Select(l => (l.Description, l.Quantity, l.Amount)));
        Assert.Equal(85.8m, pastIt.Total);

        Assert.Equal(2000.5m, PriceCalculator.Calculate("seats", price, 4001m, Usd).Total);
    }

    [Fact]
    public void Package_charges_every_started_package()
    {
        var price = new PackagePrice { Amount = 2m, QuantityPerPackage = 100m };

        var result = PriceCalculator.Calculate("sms", price, 250m, Usd);

        var line = Assert.Single(result.Lines);
        Assert.Equal("sms: usage in period (250 in packages of 100)", line.Description);
        Assert.Equal(3m, line.Quantity);
        Assert.Equal(2m, line.UnitPrice);
        Assert.Equal(6m, result.Total);
        Assert.Equal(4m, PriceCalculator.Calculate("sms", price, 200m, Usd).Total);
    }

    [Fact]
    public void Dynamic_charges_the_metered_cost_times_the_multiplier()
    {
        var marked = PriceCalculator.Calculate("llm-cost", new DynamicPrice(1.2m), 10.555m, Usd);
        Assert.Equal(12.67m, marked.Total); // 12.666
        Assert.Equal(1.2m, Assert.Single(marked.Lines).UnitPrice);

        Assert.Equal(3.33m, PriceCalculator.Calculate("llm-cost", new DynamicPrice(), 3.333m, Usd).Total);
    }

    [Fact]
    public void A_flat_price_is_charged_once_rounded_and_ignores_the_usage_discount()
    {
        var discounts = new Discounts { Usage = new DiscountUsage { Quantity = 10m } };

        var result = PriceCalculator.Calculate("base", new FlatPrice { Amount = 9.999m }, 5m, Usd, discounts);

        var line = Assert.Single(result.Lines);
        Assert.Equal(1m, line.Quantity);
        Assert.Equal(10m, result.Total);
        Assert.Equal(0m, result.FreeQuantity);
    }

    [Fact]
    public void A_minimum_commitment_tops_the_period_up_with_a_commitment_line()
    {
        var price = new UnitPrice { Amount = 0.01m, MinimumAmount = 10m };

        var result = PriceCalculator.Calculate("api", price, 500m, Usd);

        Assert.Equal(2, result.Lines.Count);
        var topUp = result.Lines[1];
        Assert.Equal("api: minimum spend", topUp.Description);
        Assert.Equal(PricedLineCategory.Commitment, topUp.Category);
        Assert.Equal(5m, topUp.Amount);
        Assert.Equal(10m, result.Total);

        // Reached or passed: no top-up line.
        Assert.Single(PriceCalculator.Calculate("api", price, 1000m, Usd).Lines);
        Assert.Equal(10.01m, PriceCalculator.Calculate("api", price, 1001m, Usd).Total);
    }

    [Fact]
    public void A_maximum_commitment_caps_the_period_with_an_overage_discount()
    {
        var result = PriceCalculator.Calculate("api", new UnitPrice { Amount = 0.01m, MaximumAmount = 20m }, 3000m, Usd);

        var line = Assert.Single(result.Lines);
        Assert.Equal(30m, line.Amount);
        Assert.Equal(new LineDiscount("maximum spend", 10m), Assert.Single(line.Discounts));
        Assert.Equal(20m, result.Total);
    }

    [Fact]
    public void A_maximum_commitment_discounts_the_lines_past_it_in_order()
    {
        var price = ThreeTiers(TieredPriceMode.Graduated) with { MaximumAmount = 30m };

        var result = PriceCalculator.Calculate("api", price, 6000m, Usd);

        // Running totals 10, 15, then tier 2's 32 crosses 30 by 17; everything after is discounted whole.
        Assert.Equal([0m, 0m, 17m, 10m, 5m, 20m], result.Lines.Select(l => l.DiscountAmount));
        Assert.Equal(82m, result.Amount);
        Assert.Equal(52m, result.DiscountAmount);
        Assert.Equal(30m, result.Total);
    }

    [Fact]
    public void A_percentage_discount_takes_the_rounded_share_of_each_line()
    {
        var discounts = new Discounts { Percentage = new DiscountPercentage { Percentage = 10m } };

        var result = PriceCalculator.Calculate("api", new UnitPrice { Amount = 0.01m }, 1234.5m, Usd, discounts);

        var line = Assert.Single(result.Lines);
        Assert.Equal(12.35m, line.Amount); // 12.345
        Assert.Equal(new LineDiscount("10% discount", 1.24m), Assert.Single(line.Discounts)); // 1.235
        Assert.Equal(11.11m, result.Total);
    }

    [Fact]
    public void The_minimum_commitment_is_measured_after_discounts()
    {
        var discounts = new Discounts { Percentage = new DiscountPercentage { Percentage = 50m } };

        var result = PriceCalculator.Calculate("api", new UnitPrice { Amount = 1m, MinimumAmount = 10m }, 4m, Usd, discounts);

        Assert.Equal(8m, result.Lines[^1].Amount);
        Assert.Equal(10m, result.Total);
    }

    [Fact]
    public void A_usage_discount_takes_free_units_off_before_pricing()
    {
        var discounts = new Discounts { Usage = new DiscountUsage { Quantity = 1000m } };
        var price = new UnitPrice { Amount = 0.01m };

        var over = PriceCalculator.Calculate("api", price, 1500m, Usd, discounts);
        Assert.Equal(500m, Assert.Single(over.Lines).Quantity);
        Assert.Equal(1000m, over.FreeQuantity);
        Assert.Equal(5m, over.Total);

        var under = PriceCalculator.Calculate("api", price, 800m, Usd, discounts);
        Assert.Equal(0m, Assert.Single(under.Lines).Quantity);
        Assert.Equal(800m, under.FreeQuantity);
        Assert.Equal(0m, under.Total);
    }

    [Fact]
    public void A_usage_discount_moves_graduated_usage_down_the_tiers()
    {
        var discounts = new Discounts { Usage = new DiscountUsage { Quantity = 1000m } };

        // 2000 used, 1000 free: priced as 1000, all in tier 1.
        var result = PriceCalculator.Calculate("api", ThreeTiers(TieredPriceMode.Graduated), 2000m, Usd, discounts);

        Assert.Equal(2, result.Lines.Count);
        Assert.Equal(15m, result.Total);
    }

    [Fact]
    public void Zero_usage_keeps_its_lines_at_zero()
    {
        var unit = PriceCalculator.Calculate("api", new UnitPrice { Amount = 0.01m }, 0m, Usd);
        Assert.Equal((0m, 0m), (Assert.Single(unit.Lines).Quantity, unit.Total));

        var package = PriceCalculator.Calculate("sms", new PackagePrice { Amount = 2m, QuantityPerPackage = 100m }, 0m, Usd);
        Assert.Equal((0m, 0m), (Assert.Single(package.Lines).Quantity, package.Total));

        // Graduated at zero reaches the first tier: its usage line at 0 and its flat price (as OpenMeter charges it).
        var graduated = PriceCalculator.Calculate("api", ThreeTiers(TieredPriceMode.Graduated), 0m, Usd);
        Assert.Equal([0m, 5m], graduated.Lines.Select(l => l.Amount));
        Assert.Equal(5m, graduated.Total);

        var volume = PriceCalculator.Calculate("api", ThreeTiers(TieredPriceMode.Volume), 0m, Usd);
        Assert.Equal([5m, 0m], volume.Lines.Select(l => l.Amount));
    }

    [Fact]
    public void Refuses_negative_usage_and_tiers_without_an_open_end()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceCalculator.Calculate("api", new UnitPrice { Amount = 1m }, -1m, Usd));

        var closed = new TieredPrice { Mode = TieredPriceMode.Volume, Tiers = [Tier(10m, 1m)] };
        Assert.Throws<ArgumentException>(() => PriceCalculator.Calculate("api", closed, 11m, Usd));
    }
}
