using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// Events that arrive late or carry another offset: within the collection hour they are on the period's own invoice;
/// after it was issued they are billed once, on the next invoice, as a line naming the period and only the late
/// quantity; an event's period is decided by its instant in UTC, whatever offset it was written with.
/// </summary>
public abstract class LateUsageScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);
    private static readonly DateTimeOffset Mar1 = Jan1.AddMonths(2);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task Usage_arriving_after_its_invoice_is_billed_once_on_the_next_one()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "metered");
        clock.SetUtcNow(Jan1.AddDays(11));
        await UseAsync(server, "acme", 1_000, Jan1.AddDays(9));

        // An event for Jan 31 arriving at 00:30 on Feb 1 is within the collection hour: on January's invoice.
        // 1,050 × 0.01 = 10.50.
        clock.SetUtcNow(Feb1.AddMinutes(30));
        await UseAsync(server, "acme", 50, Feb1.AddHours(-1));
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        var january = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal(1_050m, Quantity(Line(january, "ai-token")));
        Assert.Equal(10.50m, InvoiceTotal(january));

        // Feb 11: 250 tokens dated Jan 20 arrive, after January was issued; 100 tokens of February's own.
        clock.SetUtcNow(Feb1.AddDays(10));
        await UseAsync(server, "acme", 250, Jan1.AddDays(19));
        await UseAsync(server, "acme", 100, Feb1.AddDays(9));
        var gathering = await GatheringAsync(server, customer);
        Assert.Equal(2.50m, Total(Line(gathering, "Late usage: ai-token")));

        // Mar 1 01:00: February 100 × 0.01 = 1.00, and January's late 250: January now costs 1,300 × 0.01 = 13.00,
        // of which 10.50 was billed: 2.50. Total 3.50.
        clock.SetUtcNow(Mar1 + Hour);
        await BillAsync(server);
        var february = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Late usage: ai-token", "ai-token"], Names(february));
        var late = Line(february, "Late usage: ai-token");
        Assert.Equal((Jan1, Feb1), (PeriodFrom(late), PeriodTo(late)));
        Assert.Contains("2026-01-01 00:00 – 2026-02-01 00:00", late.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(250m, Quantity(late));
        Assert.Equal(1_050m, PreLineQuantity(late));
        Assert.Equal([("ai-token: usage in period", 1_300m, 13.00m), ("Billed on earlier invoices", 1m, -10.50m)], Details(late));
        Assert.Equal(2.50m, Total(late));
        Assert.Equal(1.00m, Total(LineFrom(february, "ai-token", Feb1)));
        Assert.Equal(3.50m, InvoiceTotal(february));

        // Later runs do not bill January again: April's invoice is March alone (no usage, 0.00).
        clock.SetUtcNow(Mar1.AddMonths(1) + Hour);
        await BillAsync(server);
        await BillAsync(server);
        var march = await NumberedAsync(server, customer, "INV-000003");
        Assert.Equal(["ai-token"], Names(march));
        Assert.Equal(0m, InvoiceTotal(march));
        Assert.Equal(["INV-000001", "INV-000002", "INV-000003"], await NumbersAsync(server, customer));
    }

    [Fact]
    public async Task Late_usage_after_a_cancelled_subscriptions_last_invoice_gets_an_invoice_of_its_own()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        var subscription = await SubscribeAsync(server, "acme", "metered");
        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(server, "acme", 400, Jan1.AddDays(5));
        await PostAsync(server, $"/api/v1/subscriptions/{subscription}/cancel", """{"timing":"immediate"}""");

        // The last period ends at the cancel (Jan 11): 400 × 0.01 = 4.00, an hour later.
        clock.SetUtcNow(Jan1.AddDays(10) + Hour + TimeSpan.FromSeconds(1));
        await BillAsync(server);
        Assert.Equal(4.00m, InvoiceTotal(await NumberedAsync(server, customer, "INV-000001")));

        // Jan 13: 150 tokens dated Jan 8 arrive. There is no next invoice to carry them, so the daily sweep makes one:
        // the period now costs 550 × 0.01 = 5.50, of which 4.00 was billed: 1.50. Once, however often it runs.
        clock.SetUtcNow(Jan1.AddDays(12));
        await UseAsync(server, "acme", 150, Jan1.AddDays(7));
        clock.SetUtcNow(Jan1.AddDays(13));
        await BillAsync(server);
        await BillAsync(server);
        clock.SetUtcNow(Jan1.AddDays(14));
        await BillAsync(server);
        var late = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Late usage: ai-token"], Names(late));
        Assert.Equal(150m, Quantity(Line(late, "Late usage: ai-token")));
        Assert.Equal(1.50m, InvoiceTotal(late));
        Assert.Equal(["INV-000001", "INV-000002"], await NumbersAsync(server, customer));
    }

    [Fact]
    public async Task An_event_belongs_to_the_period_of_its_UTC_instant()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "metered");

        // 2026-02-01T00:30:00+02:00 is Jan 31 22:30 UTC: January. 70 × 0.01 = 0.70.
        clock.SetUtcNow(Feb1.AddMinutes(45));
        await UseAtAsync(server, "acme", 70, "2026-02-01T00:30:00+02:00");
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        var january = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal(70m, Quantity(Line(january, "ai-token")));
        Assert.Equal(0.70m, InvoiceTotal(january));

        // 2026-01-31T23:30:00-05:00 is Feb 1 04:30 UTC: February, not a late January event. 500 × 0.01 = 5.00.
        clock.SetUtcNow(Feb1.AddHours(5));
        await UseAtAsync(server, "acme", 500, "2026-01-31T23:30:00-05:00");
        var preview = Line(await GatheringAsync(server, customer), "ai-token");
        Assert.Equal(500m, Quantity(preview));
        clock.SetUtcNow(Mar1 + Hour);
        await BillAsync(server);
        var february = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["ai-token"], Names(february));
        Assert.Equal(Feb1, PeriodFrom(Line(february, "ai-token")));
        Assert.Equal(5.00m, InvoiceTotal(february));
    }
}

public sealed class LateUsageScenariosOnSqlite() : LateUsageScenarios(TestStore.Sqlite);

public sealed class LateUsageScenariosOnPostgres() : LateUsageScenarios(TestStore.Postgres);
