using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing;

/// <summary>
/// The bill run among others: invoices issued in one move take their numbers in the order they were drafted (drafts of
/// one change by customer), and runs on one node take turns, so a run that started on an older clock reading never
/// plans against a newer one.
/// </summary>
public abstract class BillRunTests(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Drafts_issued_together_are_numbered_in_the_order_they_were_drafted()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", FlatCard("10.00"));
        await EditInvoicingAsync(server, """{"autoAdvance":true,"draftPeriod":"P1D"}""");

        // Eight customers invoiced a minute apart; each draft waits out its day of review.
        var drafted = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var customer = await CustomerAsync(server, $"c{i}");
            await SubscribeAsync(server, $"c{i}", "monthly");
            clock.Advance(TimeSpan.FromMinutes(1));
            var draft = Assert.Single(await InvoiceNowAsync(server, customer));
            Assert.Equal("draft.waiting_auto_approval", draft.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());
            drafted.Add(customer);
        }

        // A day later one run issues all eight in the same move: INV-000001 is the first drafted, INV-000008 the last.
        clock.Advance(TimeSpan.FromDays(1));
        await BillAsync(server);
        var numbers = new List<string>();
        foreach (var customer in drafted)
        {
            numbers.Add(Assert.Single(await NumbersAsync(server, customer)));
        }

        Assert.Equal([.. Enumerable.Range(1, 8).Select(n => $"INV-{n:D6}")], numbers);
    }

    [Fact]
    public async Task Runs_on_one_node_take_turns_so_the_second_finds_the_work_done()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", FlatCard("10.00"));
        var customers = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            customers.Add(await CustomerAsync(server, $"c{i}"));
            await SubscribeAsync(server, $"c{i}", "monthly");
        }

        // Every fee is due at once; two runs started together (and the timer's, which the clock's move wakes) must not
        // plan the same lines: whichever goes first drafts all thirty, the others find nothing left and drop nothing.
        clock.Advance(TimeSpan.FromHours(2));
        var run = server.App.Services.GetRequiredService<BillRun>();
        var results = await Task.WhenAll(run.RunAsync(Ct), run.RunAsync(Ct));
        Assert.All(results, r => Assert.Equal(0, r.Skipped));
        Assert.Contains(results, r => r.Customers == 0);
        // The thirty drafts were made in one change; they are numbered by customer, the same on every run and node.
        var numbers = new List<string>();
        foreach (var customer in customers.Order(StringComparer.Ordinal))
        {
            numbers.Add(Assert.Single(await NumbersAsync(server, customer)));
        }

        Assert.Equal([.. Enumerable.Range(1, 30).Select(n => $"INV-{n:D6}")], numbers);
    }
}

public sealed class BillRunTestsOnSqlite() : BillRunTests(TestStore.Sqlite);

public sealed class BillRunTestsOnPostgres() : BillRunTests(TestStore.Postgres);
