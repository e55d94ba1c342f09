using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// Billing a period in parts and previewing it: "invoice now" mid-period bills the usage so far, the period's end
/// bills the rest (its earlier part named, never billed twice), and the two add up to the price of the whole period;
/// the gathering invoice at a period's end is exactly the invoice that is then issued.
/// </summary>
public abstract class ProgressiveScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);

    // Graduated: the first 100 tokens at 0.10, the rest at 0.05.
    private const string Graduated = """
        {"type":"tiered","mode":"graduated","tiers":[
          {"upToAmount":"100","unitPrice":{"type":"unit","amount":"0.1"}},
          {"unitPrice":{"type":"unit","amount":"0.05"}}]}
        """;

    [Fact]
    public async Task Invoice_now_bills_usage_so_far_and_the_period_end_bills_the_rest()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "graduated", UsageCard(Graduated));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "graduated");
        clock.SetUtcNow(Jan1.AddDays(6));
        await UseAsync(server, "acme", 60, Jan1.AddDays(4));

        // Jan 10, invoice now: Jan 1 → Jan 10, 60 tokens in tier 1 = 6.00.
        var jan10 = Jan1.AddDays(9);
        clock.SetUtcNow(jan10);
        var early = Assert.Single(await InvoiceNowAsync(server, customer));
        Assert.Equal("paid", Status(early));
        Assert.Equal("INV-000001", early.GetProperty("number").GetString());
        var part = Line(early, "ai-token");
        Assert.Equal((Jan1, jan10), (PeriodFrom(part), PeriodTo(part)));
        Assert.Equal(60m, Quantity(part));
        Assert.Equal(6.00m, Total(part));

        // Feb 1 01:00: the rest, Jan 10 → Feb 1, 80 more tokens. The whole period's 140 cost 100 × 0.10 + 40 × 0.05
        // = 12.00, less the 6.00 billed: 6.00. Over both invoices 6.00 + 6.00 = 12.00, the price of all 140.
        clock.SetUtcNow(Jan1.AddDays(20));
        await UseAsync(server, "acme", 80, Jan1.AddDays(19));
        clock.SetUtcNow(Feb1);
        var preview = await GatheringAsync(server, customer);
        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);
        var rest = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(Shape(preview), Shape(rest));
        var line = Line(rest, "ai-token");
        Assert.Equal((jan10, Feb1), (PeriodFrom(line), PeriodTo(line)));
        Assert.Equal(80m, Quantity(line));
        Assert.Equal(60m, PreLineQuantity(line));
        Assert.Equal(
            [
                ("ai-token: usage price for tier 1 (above 0 up to 100)", 100m, 10.00m),
                ("ai-token: usage price for tier 2 (above 100)", 40m, 2.00m),
                ("Billed on earlier invoices", 1m, -6.00m),
            ],
            Details(line));
        Assert.Equal(6.00m, InvoiceTotal(rest));
        Assert.Equal(12.00m, InvoiceTotal(early) + InvoiceTotal(rest));
        Assert.Equal(["INV-000001", "INV-000002"], await NumbersAsync(server, customer));
    }

    [Fact]
    public async Task The_preview_at_the_period_end_is_the_invoice_line_for_line()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "mixed", Flat("Platform fee", "31.00") + "," + UsageCard(Graduated));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "mixed");
        clock.SetUtcNow(Jan1.AddHours(1));
        await BillAsync(server);
        clock.SetUtcNow(Jan1.AddDays(20));
        await UseAsync(server, "acme", 150, Jan1.AddDays(19));

        // Feb 1 00:00: the preview holds January's usage (150: 10.00 + 2.50 = 12.50) and February's fee (31.00).
        clock.SetUtcNow(Feb1);
        var preview = await GatheringAsync(server, customer);
        Assert.Equal(43.50m, InvoiceTotal(preview));
        clock.SetUtcNow(Feb1.AddHours(1));
        await BillAsync(server);
        var invoice = await NumberedAsync(server, customer, "INV-000002");

        Assert.Equal(Shape(preview), Shape(invoice));
        Assert.Equal(43.50m, InvoiceTotal(invoice));
    }

    /// <summary>What must agree between a preview and its invoice: each line's and detailed line's identity and figures.</summary>
    private static List<string> Shape(JsonElement invoice) =>
    [
        .. Lines(invoice).Select(l => string.Join(
            " | ",
            l.GetProperty("id").GetString(),
            l.GetProperty("name").GetString(),
            Iso(PeriodFrom(l)),
            Iso(PeriodTo(l)),
            Quantity(l),
            Total(l),
            string.Join(", ", l.GetProperty("children").EnumerateArray().Select(c => $"{c.GetProperty("id").GetString()} {c.GetProperty("name").GetString()} {Decimal(c.GetProperty("quantity"))} {Total(c)}")))),
        $"total {InvoiceTotal(invoice)}",
    ];
}

public sealed class ProgressiveScenariosOnSqlite() : ProgressiveScenarios(TestStore.Sqlite);

public sealed class ProgressiveScenariosOnPostgres() : ProgressiveScenarios(TestStore.Postgres);
