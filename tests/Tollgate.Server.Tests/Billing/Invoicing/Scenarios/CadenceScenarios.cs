using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;
using static Tollgate.Server.Tests.Billing.Invoicing.Scenarios.ScenarioKit;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// Billing periods over time: a monthly and a yearly plan, anniversaries on the 31st (February clamps to its last day,
/// in a leap year too), and a subscription starting mid-month on an aligned anchor (its first fee prorated). Each
/// invoice is checked whole: its numbered place, every line's period and exact amount, and nothing else on it.
/// </summary>
public abstract class CadenceScenarios(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task Monthly_fee_in_advance_and_usage_in_arrears()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", Flat("Platform fee", "31.00") + "," + UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "monthly");

        // Jan 1 01:00: January's fee, in advance = 31.00.
        clock.SetUtcNow(Jan1 + Hour);
        await BillAsync(server);
        var first = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal(["Platform fee"], Names(first));
        var fee = Line(first, "Platform fee");
        Assert.Equal((Jan1, Jan1.AddMonths(1)), (PeriodFrom(fee), PeriodTo(fee)));
        Assert.Equal(31.00m, InvoiceTotal(first));

        // 1,000 tokens in January at 0.01 = 10.00, billed Feb 1 01:00 with February's fee: 10.00 + 31.00 = 41.00.
        clock.SetUtcNow(Jan1.AddDays(11));
        await UseAsync(server, "acme", 1_000, Jan1.AddDays(9));
        clock.SetUtcNow(Jan1.AddMonths(1) + Hour);
        await BillAsync(server);
        var second = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Platform fee", "ai-token"], Names(second));
        Assert.Equal(10.00m, Total(LineFrom(second, "ai-token", Jan1)));
        Assert.Equal(1_000m, Quantity(LineFrom(second, "ai-token", Jan1)));
        Assert.Equal(31.00m, Total(LineFrom(second, "Platform fee", Jan1.AddMonths(1))));
        Assert.Equal(41.00m, InvoiceTotal(second));

        // 500 tokens in February = 5.00; March's fee 31.00: 36.00. January's lines are not billed again, not even at 0.
        clock.SetUtcNow(Jan1.AddMonths(1).AddDays(14));
        await UseAsync(server, "acme", 500, Jan1.AddMonths(1).AddDays(13));
        clock.SetUtcNow(Jan1.AddMonths(2) + Hour);
        await BillAsync(server);
        await BillAsync(server);
        var third = await NumberedAsync(server, customer, "INV-000003");
        Assert.Equal(["Platform fee", "ai-token"], Names(third));
        Assert.Equal(5.00m, Total(LineFrom(third, "ai-token", Jan1.AddMonths(1))));
        Assert.Equal(31.00m, Total(LineFrom(third, "Platform fee", Jan1.AddMonths(2))));
        Assert.Equal(36.00m, InvoiceTotal(third));

        Assert.Equal(["INV-000001", "INV-000002", "INV-000003"], await NumbersAsync(server, customer));
        Assert.All(await IssuedAsync(server, customer), i => Assert.Equal("paid", Status(i)));

        // What is still to come is March alone: usage so far 0, and no adjustment of a period already billed.
        Assert.Equal(["ai-token"], Names(await GatheringAsync(server, customer)));
    }

    [Fact]
    public async Task Yearly_fee_in_advance_and_a_year_of_usage_in_arrears()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(
            server, "yearly", Flat("Annual fee", "1200.00", cadence: "P1Y") + "," + UsageCard("""{"type":"unit","amount":"0.001"}""", cadence: "P1Y"), cadence: "P1Y");
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "yearly");
        var jan2027 = Jan1.AddYears(1);

        // Jan 1 2026 01:00: the year's fee, 1200.00, period 2026-01-01 → 2027-01-01.
        clock.SetUtcNow(Jan1 + Hour);
        await BillAsync(server);
        var first = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal(["Annual fee"], Names(first));
        Assert.Equal((Jan1, jan2027), (PeriodFrom(Line(first, "Annual fee")), PeriodTo(Line(first, "Annual fee"))));
        Assert.Equal(1200.00m, InvoiceTotal(first));

        // 10,000 tokens in March and 5,000 in November; mid-year nothing is due.
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero));
        await UseAsync(server, "acme", 10_000, new DateTimeOffset(2026, 3, 3, 12, 0, 0, TimeSpan.Zero));
        clock.SetUtcNow(new DateTimeOffset(2026, 7, 1, 1, 0, 0, TimeSpan.Zero));
        await BillAsync(server);
        Assert.Single(await IssuedAsync(server, customer));
        clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        await UseAsync(server, "acme", 5_000, new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

        // Jan 1 2027 01:00: 15,000 × 0.001 = 15.00 for 2026, and 2027's fee 1200.00: 1215.00.
        clock.SetUtcNow(jan2027 + Hour);
        await BillAsync(server);
        var second = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Annual fee", "ai-token"], Names(second));
        var usage = LineFrom(second, "ai-token", Jan1);
        Assert.Equal(jan2027, PeriodTo(usage));
        Assert.Equal(15_000m, Quantity(usage));
        Assert.Equal(15.00m, Total(usage));
        Assert.Equal(jan2027.AddYears(1), PeriodTo(LineFrom(second, "Annual fee", jan2027)));
        Assert.Equal(1215.00m, InvoiceTotal(second));
        Assert.Equal(2, (await IssuedAsync(server, customer)).Count);
    }

    [Fact]
    public async Task Anniversary_on_the_31st_clamps_February_then_returns_to_the_31st()
    {
        var jan31 = new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero);
        var feb28 = new DateTimeOffset(2026, 2, 28, 0, 0, 0, TimeSpan.Zero);
        var mar31 = new DateTimeOffset(2026, 3, 31, 0, 0, 0, TimeSpan.Zero);
        var apr30 = new DateTimeOffset(2026, 4, 30, 0, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(jan31);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", Flat("Platform fee", "10.00") + "," + UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "monthly");

        clock.SetUtcNow(jan31 + Hour);
        await BillAsync(server);
        var first = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal((jan31, feb28), (PeriodFrom(Line(first, "Platform fee")), PeriodTo(Line(first, "Platform fee"))));

        // The last second of the first period and the first of the second: 100 tokens in each.
        clock.SetUtcNow(feb28.AddMinutes(30));
        await UseAsync(server, "acme", 100, feb28.AddSeconds(-1));
        await UseAsync(server, "acme", 100, feb28);

        // Feb 28 01:00: Jan 31 → Feb 28 usage 100 × 0.01 = 1.00; the fee for Feb 28 → Mar 31, 10.00.
        clock.SetUtcNow(feb28 + Hour);
        await BillAsync(server);
        var second = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Platform fee", "ai-token"], Names(second));
        var january = LineFrom(second, "ai-token", jan31);
        Assert.Equal(feb28, PeriodTo(january));
        Assert.Equal(1.00m, Total(january));
        Assert.Equal(mar31, PeriodTo(LineFrom(second, "Platform fee", feb28)));
        Assert.Equal(11.00m, InvoiceTotal(second));

        // Mar 31 01:00: Feb 28 → Mar 31 usage 100 + 300 = 400 × 0.01 = 4.00; the fee for Mar 31 → Apr 30.
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 30, 13, 0, 0, TimeSpan.Zero));
        await UseAsync(server, "acme", 300, new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.Zero));
        clock.SetUtcNow(mar31 + Hour);
        await BillAsync(server);
        var third = await NumberedAsync(server, customer, "INV-000003");
        Assert.Equal(["Platform fee", "ai-token"], Names(third));
        var february = LineFrom(third, "ai-token", feb28);
        Assert.Equal(mar31, PeriodTo(february));
        Assert.Equal(4.00m, Total(february));
        Assert.Equal(apr30, PeriodTo(LineFrom(third, "Platform fee", mar31)));
        Assert.Equal(14.00m, InvoiceTotal(third));
    }

    [Fact]
    public async Task Anniversary_on_Jan_31_of_a_leap_year_ends_on_Feb_29()
    {
        var jan31 = new DateTimeOffset(2028, 1, 31, 0, 0, 0, TimeSpan.Zero);
        var feb29 = new DateTimeOffset(2028, 2, 29, 0, 0, 0, TimeSpan.Zero);
        var mar31 = new DateTimeOffset(2028, 3, 31, 0, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(jan31);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", Flat("Platform fee", "10.00") + "," + UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "monthly");

        // Jan 31 01:00: the first period's fee, Jan 31 → Feb 29.
        clock.SetUtcNow(jan31 + Hour);
        await BillAsync(server);
        var first = await NumberedAsync(server, customer, "INV-000001");
        Assert.Equal(["Platform fee"], Names(first));
        Assert.Equal((jan31, feb29), (PeriodFrom(Line(first, "Platform fee")), PeriodTo(Line(first, "Platform fee"))));

        // Feb 28 belongs to the first period, Feb 29 to the second.
        clock.SetUtcNow(feb29.AddMinutes(30));
        await UseAsync(server, "acme", 100, feb29.AddHours(-12));
        await UseAsync(server, "acme", 50, feb29);

        // Feb 29 01:00: Jan 31 → Feb 29 usage 100 × 0.01 = 1.00, and the fee for Feb 29 → Mar 31, 10.00.
        clock.SetUtcNow(feb29 + Hour);
        await BillAsync(server);
        var second = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Platform fee", "ai-token"], Names(second));
        Assert.Equal(feb29, PeriodTo(LineFrom(second, "ai-token", jan31)));
        Assert.Equal(1.00m, Total(LineFrom(second, "ai-token", jan31)));
        Assert.Equal(mar31, PeriodTo(LineFrom(second, "Platform fee", feb29)));
        Assert.Equal(11.00m, InvoiceTotal(second));

        // Mar 31 01:00: Feb 29 → Mar 31 usage 50 × 0.01 = 0.50.
        clock.SetUtcNow(mar31 + Hour);
        await BillAsync(server);
        var third = await NumberedAsync(server, customer, "INV-000003");
        Assert.Equal(0.50m, Total(LineFrom(third, "ai-token", feb29)));
        Assert.Equal(mar31, PeriodTo(LineFrom(third, "ai-token", feb29)));
    }

    [Fact]
    public async Task A_mid_month_start_on_an_aligned_anchor_prorates_the_first_fee()
    {
        var jan16 = Jan1.AddDays(15);
        var clock = new FakeTimeProvider(jan16);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "monthly", Flat("Platform fee", "31.00") + "," + UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "monthly", extra: ""","billingAnchor":"2026-01-01T00:00:00Z" """);

        // Jan 16 01:00: the fee for Jan 16 → Feb 1 is 16 of January's 31 days: 16/31 × 31.00 = 16.00.
        clock.SetUtcNow(jan16 + Hour);
        await BillAsync(server);
        var first = await NumberedAsync(server, customer, "INV-000001");
        var fee = Line(first, "Platform fee");
        Assert.Equal((jan16, Jan1.AddMonths(1)), (PeriodFrom(fee), PeriodTo(fee)));
        Assert.Equal(16.00m, Total(fee));
        Assert.Equal(16.00m, InvoiceTotal(first));

        // Feb 1 01:00: Jan 16 → Feb 1 usage 300 × 0.01 = 3.00, February's full fee 31.00: 34.00.
        clock.SetUtcNow(Jan1.AddDays(21));
        await UseAsync(server, "acme", 300, Jan1.AddDays(19));
        clock.SetUtcNow(Jan1.AddMonths(1) + Hour);
        await BillAsync(server);
        var second = await NumberedAsync(server, customer, "INV-000002");
        Assert.Equal(["Platform fee", "ai-token"], Names(second));
        Assert.Equal(3.00m, Total(LineFrom(second, "ai-token", jan16)));
        Assert.Equal(Jan1.AddMonths(1), PeriodTo(LineFrom(second, "ai-token", jan16)));
        Assert.Equal(31.00m, Total(LineFrom(second, "Platform fee", Jan1.AddMonths(1))));
        Assert.Equal(34.00m, InvoiceTotal(second));
    }
}

public sealed class CadenceScenariosOnSqlite() : CadenceScenarios(TestStore.Sqlite);

public sealed class CadenceScenariosOnPostgres() : CadenceScenarios(TestStore.Postgres);
