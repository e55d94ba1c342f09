using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// The biller stopped between drafting and issuing: the draft is stored, so after a restart it is neither lost nor
/// drafted again; it is issued once (on approval, or when its review period ends) and numbers go on without a gap
/// or a repeat.
/// </summary>
public abstract class RestartScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_draft_awaiting_approval_survives_a_restart_and_is_issued_once()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var first = await store.StartAsync(time: clock);
        await EditInvoicingAsync(first, """{"autoAdvance":false}""");
        await CatalogAsync(first);
        await PlanAsync(first, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(first, "acme");
        await SubscribeAsync(first, "acme", "metered");
        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(first, "acme", 1_200, Jan1.AddDays(9));

        // Feb 1 01:00: January (1,200 × 0.01 = 12.00) is drafted and waits for approval.
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(first);
        var draft = Assert.Single(await InvoicesAsync(first, customer), i => Status(i) == "draft");
        Assert.Equal("draft.manual_approval_needed", draft.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());
        Assert.Equal(12.00m, InvoiceTotal(draft));
        var id = draft.GetProperty("id").GetString();

        await using var server = await first.RestartAsync(clock);
        clock.SetUtcNow(Feb1 + Hour + Hour);
        await BillAsync(server);
        var waiting = (await InvoicesAsync(server, customer)).Where(i => Status(i) != "gathering").ToList();
        Assert.Equal(id, Assert.Single(waiting).GetProperty("id").GetString());

        var approved = await PostAsync(server, $"/api/v1/billing/invoices/{id}/approve", "{}");
        Assert.Equal("paid", Status(approved));
        Assert.Equal("INV-000001", approved.GetProperty("number").GetString());
        Assert.Equal(12.00m, InvoiceTotal(approved));

        // February is drafted after another restart and approved: the next number, never the first again.
        await using var third = await server.RestartAsync(clock);
        clock.SetUtcNow(Feb1.AddDays(10));
        await UseAsync(third, "acme", 300, Feb1.AddDays(9));
        clock.SetUtcNow(Jan1.AddMonths(2) + Hour);
        await BillAsync(third);
        var february = Assert.Single(await InvoicesAsync(third, customer), i => Status(i) == "draft");
        var second = await PostAsync(third, $"/api/v1/billing/invoices/{february.GetProperty("id").GetString()}/approve", "{}");
        Assert.Equal("INV-000002", second.GetProperty("number").GetString());
        Assert.Equal(3.00m, InvoiceTotal(second));
        Assert.Equal(["INV-000001", "INV-000002"], await NumbersAsync(third, customer));
    }

    [Fact]
    public async Task A_draft_in_its_review_period_is_issued_by_the_restarted_biller()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var first = await store.StartAsync(time: clock);
        await EditInvoicingAsync(first, """{"draftPeriod":"P1D"}""");
        await CatalogAsync(first);
        await PlanAsync(first, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(first, "acme");
        await SubscribeAsync(first, "acme", "metered");
        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(first, "acme", 700, Jan1.AddDays(9));

        // Feb 1 01:00: drafted; it waits a day for review.
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(first);
        var draft = Assert.Single(await InvoicesAsync(first, customer), i => Status(i) == "draft");
        Assert.Equal("draft.waiting_auto_approval", draft.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());

        await using var server = await first.RestartAsync(clock);
        clock.SetUtcNow(Feb1.AddDays(1) + Hour);
        await BillAsync(server);
        await BillAsync(server);
        var issued = Assert.Single(await IssuedAsync(server, customer));
        Assert.Equal(draft.GetProperty("id").GetString(), issued.GetProperty("id").GetString());
        Assert.Equal("INV-000001", issued.GetProperty("number").GetString());
        Assert.Equal("paid", Status(issued));
        Assert.Equal(7.00m, InvoiceTotal(issued));
    }
}

public sealed class RestartScenariosOnSqlite() : RestartScenarios(TestStore.Sqlite);

public sealed class RestartScenariosOnPostgres() : RestartScenarios(TestStore.Postgres);
