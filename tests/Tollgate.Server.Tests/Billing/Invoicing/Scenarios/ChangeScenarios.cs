using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// Subscriptions that end or change in the middle of a period: the fee paid in advance is credited for the days not
/// used (an adjustment line naming what was billed before), usage is billed up to the end, and a new plan's fee is
/// prorated from the change. Every amount is a share of January's 31 days.
/// </summary>
public abstract class ChangeScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Jan16 = Jan1.AddDays(15);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_cancelation_mid_period_credits_the_unused_fee_and_bills_usage_up_to_it()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", Flat("Platform fee", "31.00") + "," + UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        var subscription = await SubscribeAsync(server, "acme", "monthly");
        clock.SetUtcNow(Jan1 + Hour);
        await BillAsync(server);
        Assert.Equal(31.00m, InvoiceTotal(await NumberedAsync(server, customer, "INV-000001")));

        clock.SetUtcNow(Jan1.AddDays(6));
        await UseAsync(server, "acme", 400, Jan1.AddDays(4));
        clock.SetUtcNow(Jan16);
        await PostAsync(server, $"/api/v1/subscriptions/{subscription}/cancel", """{"timing":"immediate"}""");

        // Jan 16 01:00, the final invoice: usage Jan 1 → Jan 16, 400 × 0.01 = 4.00; the fee is owed for 15 of 31
        // days, 15/31 × 31.00 = 15.00, of the 31.00 billed: a credit of 16.00. Total 4.00 − 16.00 = −12.00.
        clock.SetUtcNow(Jan16 + Hour);
        await BillAsync(server);
        var final = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Adjustment: Platform fee", "ai-token"], Names(final));
        var usage = Line(final, "ai-token");
        Assert.Equal((Jan1, Jan16), (PeriodFrom(usage), PeriodTo(usage)));
        Assert.Equal(4.00m, Total(usage));
        var credit = Line(final, "Adjustment: Platform fee");
        Assert.Equal((Jan1, Jan16), (PeriodFrom(credit), PeriodTo(credit)));
        Assert.Equal(-16.00m, Total(credit));
        Assert.Equal([("Platform fee: flat price", 1m, 15.00m), ("Billed on earlier invoices", 1m, -31.00m)], Details(credit));
        Assert.Equal(-12.00m, InvoiceTotal(final));

        // Usage after the cancelation is nobody's; later runs bill nothing more.
        clock.SetUtcNow(Jan1.AddDays(21));
        await UseAsync(server, "acme", 999, Jan1.AddDays(19));
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        clock.SetUtcNow(Feb1.AddMonths(1) + Hour);
        await BillAsync(server);
        Assert.Equal(["INV-000001", "INV-000002"], await NumbersAsync(server, customer));
    }

    [Fact]
    public async Task A_cancelation_of_a_fee_only_plan_still_issues_its_credit()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "seat", Flat("Platform fee", "31.00"));
        var customer = await CustomerAsync(server, "acme");
        var subscription = await SubscribeAsync(server, "acme", "seat");
        clock.SetUtcNow(Jan1 + Hour);
        await BillAsync(server);
        clock.SetUtcNow(Jan16);
        await PostAsync(server, $"/api/v1/subscriptions/{subscription}/cancel", """{"timing":"immediate"}""");

        // Nothing else is due, yet the shortened fee is: 15/31 × 31.00 = 15.00 owed of 31.00 billed, a credit of 16.00.
        clock.SetUtcNow(Jan16 + Hour);
        await BillAsync(server);
        var final = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Adjustment: Platform fee"], Names(final));
        Assert.Equal(-16.00m, InvoiceTotal(final));

        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        Assert.Equal(["INV-000001", "INV-000002"], await NumbersAsync(server, customer));
    }

    [Fact]
    public async Task An_upgrade_mid_period_bills_the_old_plan_to_the_change_and_the_new_one_from_it()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "basic", Flat("Basic fee", "31.00") + "," + UsageCard("""{"type":"unit","amount":"0.01"}"""));
        await PlanAsync(server, "pro", Flat("Pro fee", "62.00") + "," + UsageCard("""{"type":"unit","amount":"0.005"}"""));
        var customer = await CustomerAsync(server, "acme");
        var basic = await SubscribeAsync(server, "acme", "basic");
        clock.SetUtcNow(Jan1 + Hour);
        await BillAsync(server);

        clock.SetUtcNow(Jan1.AddDays(6));
        await UseAsync(server, "acme", 1_000, Jan1.AddDays(4));
        clock.SetUtcNow(Jan16);
        var changed = await PostAsync(
            server, $"/api/v1/subscriptions/{basic}/change", """{"plan":{"key":"pro"},"timing":"immediate","billingAnchor":"2026-01-01T00:00:00Z"}""");
        Assert.Equal(JsonValueKind.Object, changed.GetProperty("next").ValueKind);

        // Jan 16 01:00: basic's usage Jan 1 → Jan 16, 1,000 × 0.01 = 10.00; basic's fee kept for 15/31 × 31.00 = 15.00
        // of 31.00 billed: −16.00; pro's fee Jan 16 → Feb 1, 16/31 × 62.00 = 32.00. Total 10.00 − 16.00 + 32.00 = 26.00.
        clock.SetUtcNow(Jan16 + Hour);
        await BillAsync(server);
        var change = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Adjustment: Basic fee", "Pro fee", "ai-token"], Names(change));
        Assert.Equal(10.00m, Total(LineFrom(change, "ai-token", Jan1)));
        Assert.Equal(Jan16, PeriodTo(LineFrom(change, "ai-token", Jan1)));
        Assert.Equal(-16.00m, Total(Line(change, "Adjustment: Basic fee")));
        var pro = LineFrom(change, "Pro fee", Jan16);
        Assert.Equal(Feb1, PeriodTo(pro));
        Assert.Equal(32.00m, Total(pro));
        Assert.Equal(26.00m, InvoiceTotal(change));

        // Feb 1 01:00: pro's usage Jan 16 → Feb 1, 2,000 × 0.005 = 10.00, and February's pro fee 62.00: 72.00.
        clock.SetUtcNow(Jan1.AddDays(21));
        await UseAsync(server, "acme", 2_000, Jan1.AddDays(19));
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        var next = await NumberedAsync(server, customer, "INV-000003");
        Assert.Equal(["Pro fee", "ai-token"], Names(next));
        Assert.Equal(10.00m, Total(LineFrom(next, "ai-token", Jan16)));
        Assert.Equal(62.00m, Total(LineFrom(next, "Pro fee", Feb1)));
        Assert.Equal(72.00m, InvoiceTotal(next));
    }
}

public sealed class ChangeScenariosOnSqlite() : ChangeScenarios(TestStore.Sqlite);

public sealed class ChangeScenariosOnPostgres() : ChangeScenarios(TestStore.Postgres);
