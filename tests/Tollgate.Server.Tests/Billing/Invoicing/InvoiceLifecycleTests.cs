using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;

namespace Tollgate.Server.Tests.Billing.Invoicing;

/// <summary>
/// A usage plan billed end to end under a fake clock: the gathering invoice previews the period's usage, the bill run
/// drafts it an hour after the period ends (the collection interval), issues it with the first number and the sandbox
/// marks it paid; the preview and the final invoice agree line for line.
/// </summary>
public abstract class InvoiceLifecycleTests(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_month_of_usage_is_previewed_then_invoiced_issued_and_paid()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "token", UsageCard("""{"type":"unit","amount":"0.00002"}"""));
        var customer = await CustomerAsync(server, "kong-air");
        await SubscribeAsync(server, "kong-air", "token");

        clock.Advance(TimeSpan.FromDays(10));
        await UseAsync(server, "kong-air", 100_000, Jan1.AddDays(2));
        await UseAsync(server, "kong-air", 23_456, Jan1.AddDays(9));
        await UseAsync(server, "someone-else", 999, Jan1.AddDays(9));

        var preview = await GatheringAsync(server, customer);
        var previewLine = Line(preview, "ai-token");
        Assert.Equal(123_456m, Decimal(previewLine.GetProperty("quantity")));
        Assert.Equal(2.47m, Total(previewLine));
        Assert.Equal("2.47", preview.GetProperty("totals").GetProperty("total").GetString());
        Assert.Equal(Jan1, previewLine.GetProperty("period").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(Jan1.AddDays(10), previewLine.GetProperty("period").GetProperty("to").GetDateTimeOffset());

        // The period ends; nothing is collected before the hour's grace is over.
        // (The background biller may run too when the clock moves; however many runs, there is one invoice.)
        clock.Advance(TimeSpan.FromDays(21) + TimeSpan.FromMinutes(30));
        await BillAsync(server);
        Assert.Empty(await IssuedAsync(server, customer));
        clock.Advance(TimeSpan.FromMinutes(31));
        await BillAsync(server);
        await BillAsync(server);

        var invoice = Assert.Single(await IssuedAsync(server, customer));
        Assert.Equal("paid", invoice.GetProperty("status").GetString());
        Assert.Equal("INV-000001", invoice.GetProperty("number").GetString());
        var line = Line(invoice, "ai-token");
        Assert.Equal(previewLine.GetProperty("id").GetString(), line.GetProperty("id").GetString());
        Assert.Equal(123_456m, Decimal(line.GetProperty("quantity")));
        Assert.Equal(2.47m, Total(line));
        Assert.Equal(Jan1.AddMonths(1), line.GetProperty("period").GetProperty("to").GetDateTimeOffset());
        Assert.Equal("2.47", invoice.GetProperty("totals").GetProperty("total").GetString());

        // The printable page: the issued invoice with its number, the line's amount and the paid banner.
        using (var document = await server.GetAsync($"/api/v1/billing/invoices/{invoice.GetProperty("id").GetString()}/document"))
        {
            var html = await document.Content.ReadAsStringAsync(Ct);
            Assert.Equal("text/html", document.Content.Headers.ContentType?.MediaType);
            Assert.Contains("default-src 'none'", document.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Contains("INV-000001", html, StringComparison.Ordinal);
            Assert.Contains("2.47 USD", html, StringComparison.Ordinal);
            Assert.Contains("PAID", html, StringComparison.Ordinal);
        }

        // February is gathering now, from zero.
        var february = Line(await GatheringAsync(server, customer), "ai-token");
        Assert.Equal(Jan1.AddMonths(1), february.GetProperty("period").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(0m, Decimal(february.GetProperty("quantity")));
    }
}

public sealed class InvoiceLifecycleTestsOnSqlite() : InvoiceLifecycleTests(TestStore.Sqlite);

public sealed class InvoiceLifecycleTestsOnPostgres() : InvoiceLifecycleTests(TestStore.Postgres);
