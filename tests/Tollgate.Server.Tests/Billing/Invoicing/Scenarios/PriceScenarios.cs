using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// Every price type on a real invoice: one feature per price, all on the same tokens meter, so each customer's one
/// month of usage is priced by every type at once. Tier bounds are inclusive (100 is still tier 1, 101 is not);
/// each tier is a detailed line. Then commitments, discounts, and a month without usage.
/// </summary>
public abstract class PriceScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);

    private const string Graduated = """
        {"type":"tiered","mode":"graduated","tiers":[
          {"upToAmount":"100","unitPrice":{"type":"unit","amount":"0.1"},"flatPrice":{"type":"flat","amount":"1"}},
          {"upToAmount":"1000","unitPrice":{"type":"unit","amount":"0.05"}},
          {"unitPrice":{"type":"unit","amount":"0.01"}}]}
        """;

    private const string Volume = """
        {"type":"tiered","mode":"volume","tiers":[
          {"upToAmount":"100","unitPrice":{"type":"unit","amount":"0.1"}},
          {"upToAmount":"1000","unitPrice":{"type":"unit","amount":"0.05"},"flatPrice":{"type":"flat","amount":"2"}},
          {"unitPrice":{"type":"unit","amount":"0.01"}}]}
        """;

    [Fact]
    public async Task Every_price_type_at_a_tier_boundary_and_one_past_it()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        foreach (var feature in new[] { "ai_unit", "ai_package", "ai_dynamic", "ai_graduated", "ai_volume" })
        {
            await FeatureAsync(server, feature);
        }

        await PlanAsync(server, "every_price", string.Join(",",
            Usage("ai_unit", """{"type":"unit","amount":"0.01"}"""),
            Usage("ai_package", """{"type":"package","amount":"10","quantityPerPackage":"100"}"""),
            Usage("ai_dynamic", """{"type":"dynamic","multiplier":"1.5"}"""),
            Usage("ai_graduated", Graduated),
            Usage("ai_volume", Volume)));
        var none = await CustomerAsync(server, "at-0");
        var at100 = await CustomerAsync(server, "at-100");
        var at101 = await CustomerAsync(server, "at-101");
        foreach (var key in new[] { "at-0", "at-100", "at-101" })
        {
            await SubscribeAsync(server, key, "every_price");
        }

        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(server, "at-100", 60, Jan1.AddDays(2));
        await UseAsync(server, "at-100", 40, Jan1.AddDays(9));
        await UseAsync(server, "at-101", 101, Jan1.AddDays(9));
        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);

        // 100 tokens: unit 100 × 0.01 = 1.00; package one of 100 = 10.00; dynamic 100 × 1.5 = 150.00;
        // graduated all in tier 1: 100 × 0.10 + flat 1.00 = 11.00; volume tier 1: 100 × 0.10 = 10.00. Total 182.00.
        var hundred = Assert.Single(await IssuedAsync(server, at100));
        Assert.Equal(1.00m, Total(Line(hundred, "ai_unit")));
        Assert.Equal(10.00m, Total(Line(hundred, "ai_package")));
        Assert.Equal([("ai_package: usage in period (100 in packages of 100)", 1m, 10.00m)], Details(Line(hundred, "ai_package")));
        Assert.Equal(150.00m, Total(Line(hundred, "ai_dynamic")));
        Assert.Equal(
            [("ai_graduated: usage price for tier 1 (above 0 up to 100)", 100m, 10.00m), ("ai_graduated: flat price for tier 1 (above 0 up to 100)", 1m, 1.00m)],
            Details(Line(hundred, "ai_graduated")));
        Assert.Equal(11.00m, Total(Line(hundred, "ai_graduated")));
        Assert.Equal([("ai_volume: unit price for tier 1 (above 0 up to 100)", 100m, 10.00m)], Details(Line(hundred, "ai_volume")));
        Assert.Equal(182.00m, InvoiceTotal(hundred));
        Assert.All(Lines(hundred), l => Assert.Equal(100m, Quantity(l)));

        // 101 tokens: unit 1.01; package two started = 20.00; dynamic 151.50; graduated 10.00 + 1.00 + tier 2's
        // 1 × 0.05 = 11.05; volume all 101 at tier 2: flat 2.00 + 101 × 0.05 = 5.05 → 7.05. Total 190.61.
        var past = Assert.Single(await IssuedAsync(server, at101));
        Assert.Equal(1.01m, Total(Line(past, "ai_unit")));
        Assert.Equal([("ai_package: usage in period (101 in packages of 100)", 2m, 20.00m)], Details(Line(past, "ai_package")));
        Assert.Equal(151.50m, Total(Line(past, "ai_dynamic")));
        Assert.Equal(
            [
                ("ai_graduated: usage price for tier 1 (above 0 up to 100)", 100m, 10.00m),
                ("ai_graduated: flat price for tier 1 (above 0 up to 100)", 1m, 1.00m),
                ("ai_graduated: usage price for tier 2 (above 100 up to 1000)", 1m, 0.05m),
            ],
            Details(Line(past, "ai_graduated")));
        Assert.Equal(11.05m, Total(Line(past, "ai_graduated")));
        Assert.Equal(
            [("ai_volume: flat price for tier 2 (above 100 up to 1000)", 1m, 2.00m), ("ai_volume: unit price for tier 2 (above 100 up to 1000)", 101m, 5.05m)],
            Details(Line(past, "ai_volume")));
        Assert.Equal(190.61m, InvoiceTotal(past));

        // No usage: every line is kept at 0, except graduated's tier-1 flat price, which is charged at 0 too: 1.00.
        var zero = Assert.Single(await IssuedAsync(server, none));
        Assert.Equal(["ai_dynamic", "ai_graduated", "ai_package", "ai_unit", "ai_volume"], Names(zero));
        Assert.Equal(1.00m, Total(Line(zero, "ai_graduated")));
        Assert.Equal(1.00m, InvoiceTotal(zero));
    }

    [Fact]
    public async Task A_month_without_usage_is_a_zero_invoice_issued_and_paid()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "metered");

        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);
        var invoice = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal("paid", Status(invoice));
        var line = Assert.Single(Lines(invoice));
        Assert.Equal(0m, Quantity(line));
        Assert.Equal(0m, Total(line));
        Assert.Equal("0", invoice.GetProperty("totals").GetProperty("total").GetString());
    }

    [Fact]
    public async Task A_minimum_commitment_tops_the_period_up_and_a_maximum_caps_it()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await FeatureAsync(server, "ai_min");
        await FeatureAsync(server, "ai_max");
        await PlanAsync(server, "committed", string.Join(",",
            Usage("ai_min", """{"type":"unit","amount":"0.01","minimumAmount":"10"}"""),
            Usage("ai_max", """{"type":"unit","amount":"0.01","maximumAmount":"5"}""")));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "committed");
        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(server, "acme", 700, Jan1.AddDays(9));

        // 700 × 0.01 = 7.00 on both. The minimum of 10.00 adds a commitment line of 3.00 → 10.00; the maximum of
        // 5.00 discounts 2.00 of the 7.00 → 5.00. Total 15.00.
        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);
        var invoice = await NumberedAsync(server, customer, "INV-000001");
        var minimum = Line(invoice, "ai_min");
        Assert.Equal([("ai_min: usage in period", 700m, 7.00m), ("ai_min: minimum spend", 1m, 3.00m)], Details(minimum));
        Assert.Equal("commitment", minimum.GetProperty("children")[1].GetProperty("category").GetString());
        Assert.Equal(10.00m, Total(minimum));
        var maximum = Line(invoice, "ai_max");
        Assert.Equal([("ai_max: usage in period", 700m, 5.00m)], Details(maximum));
        var capped = maximum.GetProperty("children")[0];
        Assert.Equal(7.00m, Decimal(capped.GetProperty("totals").GetProperty("amount")));
        Assert.Equal(2.00m, Decimal(capped.GetProperty("totals").GetProperty("discountsTotal")));
        Assert.Equal("maximum_spend", capped.GetProperty("discounts").GetProperty("amount")[0].GetProperty("reason").GetString());
        Assert.Equal(5.00m, Total(maximum));
        Assert.Equal(15.00m, InvoiceTotal(invoice));
    }

    [Fact]
    public async Task A_usage_discount_frees_the_first_units_and_a_percentage_discount_takes_its_share()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await FeatureAsync(server, "ai_free");
        await FeatureAsync(server, "ai_pct");
        await PlanAsync(server, "discounted", string.Join(",",
            Usage("ai_free", """{"type":"unit","amount":"0.01"}""", extra: ""","discounts":{"usage":{"quantity":"100"}}"""),
            Usage("ai_pct", """{"type":"unit","amount":"0.01"}""", extra: ""","discounts":{"percentage":{"percentage":10}}""")));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "discounted");
        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(server, "acme", 250, Jan1.AddDays(9));

        // Free units: 250 − 100 = 150 × 0.01 = 1.50. Percentage: 250 × 0.01 = 2.50, less 10% = 0.25 → 2.25. Total 3.75.
        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);
        var invoice = await NumberedAsync(server, customer, "INV-000001");
        var free = Line(invoice, "ai_free");
        Assert.Equal(150m, Quantity(free));
        Assert.Equal(250m, Decimal(free.GetProperty("meteredQuantity")));
        Assert.Equal([("ai_free: usage in period", 150m, 1.50m)], Details(free));
        Assert.Equal(100m, Decimal(free.GetProperty("discounts").GetProperty("usage")[0].GetProperty("quantity")));
        var percentage = Line(invoice, "ai_pct");
        Assert.Equal([("ai_pct: usage in period", 250m, 2.25m)], Details(percentage));
        var discounted = percentage.GetProperty("children")[0];
        Assert.Equal(0.25m, Decimal(discounted.GetProperty("totals").GetProperty("discountsTotal")));
        Assert.Equal(2.25m, Total(percentage));
        Assert.Equal(3.75m, InvoiceTotal(invoice));
    }
}

public sealed class PriceScenariosOnSqlite() : PriceScenarios(TestStore.Sqlite);

public sealed class PriceScenariosOnPostgres() : PriceScenarios(TestStore.Postgres);
