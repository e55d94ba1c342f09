using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// What happens between a subscription's start and its first full period: a free trial phase ending mid-month (the
/// paid phase's fee prorated from there), a minimum commitment billed in parts (topped up once, at the period's end),
/// and a draft deleted before approval (drafted again with the same lines, never twice).
/// </summary>
public abstract class PhaseScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb1 = Jan1.AddMonths(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task A_trial_ending_mid_month_starts_a_prorated_fee()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        var id = await CreateAsync(server, "/api/v1/plans", $$"""
            {"key":"trial","name":"trial","currency":"USD","billingCadence":"P1M","phases":[
              {"key":"trial","name":"Trial","duration":"P14D","rateCards":[
                {"type":"usage_based","key":"ai_token","name":"ai-token (trial)","featureKey":"ai_token","billingCadence":"P1M","price":null}]},
              {"key":"paid","name":"Paid","rateCards":[{{Flat("Platform fee", "31.00")}},{{UsageCard("""{"type":"unit","amount":"0.01"}""")}}]}]}
            """);
        await PostAsync(server, $"/api/v1/plans/{id}/publish", "{}");
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "trial");
        var jan15 = Jan1.AddDays(14);

        // Trial usage is free and makes no line.
        clock.SetUtcNow(Jan1.AddDays(3));
        await UseAsync(server, "acme", 5_000, Jan1.AddDays(2));

        // Jan 15 01:00: the paid phase's fee for Jan 15 → Feb 1, 17 of 31 days: 17/31 × 31.00 = 17.00.
        clock.SetUtcNow(jan15 + Hour);
        await BillAsync(server);
        var first = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal(["Platform fee"], Names(first));
        Assert.Equal((jan15, Feb1), (PeriodFrom(Line(first, "Platform fee")), PeriodTo(Line(first, "Platform fee"))));
        Assert.Equal(17.00m, InvoiceTotal(first));

        // Feb 1 01:00: paid usage Jan 15 → Feb 1, 200 × 0.01 = 2.00, and February's fee 31.00: 33.00.
        clock.SetUtcNow(Jan1.AddDays(20));
        await UseAsync(server, "acme", 200, Jan1.AddDays(19));
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        var second = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Platform fee", "ai-token"], Names(second));
        Assert.Equal(2.00m, Total(LineFrom(second, "ai-token", jan15)));
        Assert.Equal(33.00m, InvoiceTotal(second));
    }

    [Fact]
    public async Task A_minimum_commitment_billed_in_parts_is_topped_up_once_at_the_end()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "committed", UsageCard("""{"type":"unit","amount":"0.01","minimumAmount":"10"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "committed");
        clock.SetUtcNow(Jan1.AddDays(5));
        await UseAsync(server, "acme", 300, Jan1.AddDays(4));

        // Jan 10, invoice now: 300 × 0.01 = 3.00; the period is not over, so no top-up yet.
        clock.SetUtcNow(Jan1.AddDays(9));
        var early = Assert.Single(await InvoiceNowAsync(server, customer));
        Assert.Equal([("ai-token: usage in period", 300m, 3.00m)], Details(Line(early, "ai-token")));

        // A late event for Jan 5 (after that invoice) and 100 more on Jan 20: the period's 500 cost 5.00, topped up
        // to 10.00, less 3.00 billed: 7.00. Over both invoices: the minimum, 10.00.
        clock.SetUtcNow(Jan1.AddDays(20));
        await UseAsync(server, "acme", 100, Jan1.AddDays(4));
        await UseAsync(server, "acme", 100, Jan1.AddDays(19));
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        var rest = await NumberedAsync(server, customer, "INV-000002");
        var line = Line(rest, "ai-token");
        Assert.Equal(200m, Quantity(line));
        Assert.Equal(300m, PreLineQuantity(line));
        Assert.Equal(
            [("ai-token: usage in period", 500m, 5.00m), ("ai-token: minimum spend", 1m, 5.00m), ("Billed on earlier invoices", 1m, -3.00m)],
            Details(line));
        Assert.Equal(7.00m, InvoiceTotal(rest));
        Assert.Equal(10.00m, InvoiceTotal(early) + InvoiceTotal(rest));
    }

    [Fact]
    public async Task A_deleted_draft_is_drafted_again_with_the_same_lines_and_only_once()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await EditInvoicingAsync(server, """{"autoAdvance":false}""");
        await CatalogAsync(server);
        await PlanAsync(server, "metered", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "metered");
        clock.SetUtcNow(Jan1.AddDays(10));
        await UseAsync(server, "acme", 400, Jan1.AddDays(9));
        clock.SetUtcNow(Feb1 + Hour);
        await BillAsync(server);
        var draft = Assert.Single(await InvoicesAsync(server, customer), i => Status(i) == "draft");
        var lineId = Line(draft, "ai-token").GetProperty("id").GetString();

        using (var deleted = await server.Admin.DeleteAsync($"/api/v1/billing/invoices/{draft.GetProperty("id").GetString()}", Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // January is pending again (4.00) and the next run drafts it once more, with the same line.
        Assert.Equal(4.00m, Total(LineFrom(await GatheringAsync(server, customer), "ai-token", Jan1)));
        await BillAsync(server);
        await BillAsync(server);
        var again = Assert.Single(await InvoicesAsync(server, customer), i => Status(i) == "draft");
        Assert.NotEqual(draft.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal(lineId, Line(again, "ai-token").GetProperty("id").GetString());
        Assert.Equal(4.00m, InvoiceTotal(again));

        var issued = await PostAsync(server, $"/api/v1/billing/invoices/{again.GetProperty("id").GetString()}/approve", "{}");
        Assert.Equal("INV-000001", issued.GetProperty("number").GetString());
        await BillAsync(server);
        Assert.Equal(["INV-000001"], await NumbersAsync(server, customer));
    }
}

public sealed class PhaseScenariosOnSqlite() : PhaseScenarios(TestStore.Sqlite);

public sealed class PhaseScenariosOnPostgres() : PhaseScenarios(TestStore.Postgres);
