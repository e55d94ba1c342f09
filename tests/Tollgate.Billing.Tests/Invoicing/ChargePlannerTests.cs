using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Invoices.Charges;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Tests.Invoicing;

/// <summary>
/// Charges laid out from a subscription, pure: service periods on the anchor (month ends clamped), clipped to the
/// item's span, invoiced at their start (fees in advance) or end (usage), with ids that do not change when a
/// cancelation shortens a period; and the share of a flat fee a shortened period pays.
/// </summary>
public sealed class ChargePlannerTests
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly FlatPrice Fee = new() { Amount = 31m, PaymentTerm = PaymentTerm.InAdvance };
    private static readonly UnitPrice PerToken = new() { Amount = 0.01m };

    private static DateTimeOffset Utc(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);

    private static Subscription Subscription(
        DateTimeOffset start, DateTimeOffset? anchor = null, DateTimeOffset? end = null, Price? price = null, string currency = "USD", bool prorate = true)
    {
        var item = new SubscriptionItem
        {
            Id = "item",
            Name = "Platform fee",
            CreatedAt = start,
            UpdatedAt = start,
            ActiveFrom = start,
            Key = "platform",
            Type = price is FlatPrice or null ? "flat_fee" : "usage_based",
            BillingCadence = "P1M",
            Price = price ?? Fee,
        };
        var phase = new SubscriptionPhase
        {
            Id = "phase",
            Key = "default",
            Name = "Default",
            CreatedAt = start,
            UpdatedAt = start,
            StartAfter = "PT0S",
            ActiveFrom = start,
            Items = [item],
        };
        return new Subscription
        {
            Id = "sub",
            Name = "sub",
            CreatedAt = start,
            UpdatedAt = start,
            ActiveFrom = start,
            ActiveTo = end,
            CustomerId = "customer",
            Currency = currency,
            BillingCadence = "P1M",
            BillingAnchor = anchor ?? start,
            ProRatingConfig = new ProRatingConfig(prorate),
            Phases = [phase],
        };
    }

    private static List<(DateTimeOffset From, DateTimeOffset To)> Periods(IEnumerable<Charge> charges) =>
        [.. charges.Select(c => (c.ServicePeriod.From, c.ServicePeriod.To))];

    [Fact]
    public void An_anchor_on_the_31st_clamps_each_short_month_and_comes_back()
    {
        var charges = ChargePlanner.Charges(Subscription(Utc(2026, 1, 31)), Utc(2026, 4, 30)).ToList();

        Assert.Equal(
            [(Utc(2026, 1, 31), Utc(2026, 2, 28)), (Utc(2026, 2, 28), Utc(2026, 3, 31)), (Utc(2026, 3, 31), Utc(2026, 4, 30)), (Utc(2026, 4, 30), Utc(2026, 5, 31))],
            Periods(charges));
        Assert.All(charges, c => Assert.Equal(c.ServicePeriod.From, c.InvoiceAt));
    }

    [Fact]
    public void In_a_leap_year_February_ends_on_the_29th()
    {
        var charges = ChargePlanner.Charges(Subscription(Utc(2028, 1, 31), price: PerToken), Utc(2028, 3, 1)).ToList();

        Assert.Equal([(Utc(2028, 1, 31), Utc(2028, 2, 29)), (Utc(2028, 2, 29), Utc(2028, 3, 31))], Periods(charges));
        Assert.All(charges, c => Assert.Equal(c.ServicePeriod.To, c.InvoiceAt));
    }

    [Fact]
    public void A_mid_month_start_on_an_aligned_anchor_serves_the_rest_of_the_billing_period()
    {
        var charge = ChargePlanner.Charges(Subscription(Jan1.AddDays(15), anchor: Jan1), Jan1.AddDays(20)).Single();

        Assert.Equal(new BillingPeriod(Jan1, Jan1.AddMonths(1)), charge.BillingPeriod);
        Assert.Equal(new BillingPeriod(Jan1.AddDays(15), Jan1.AddMonths(1)), charge.ServicePeriod);

        // 16 of January's 31 days.
        Assert.Equal(Math.Round(16m / 31m, 20), Math.Round(InvoiceLineBuilder.ProrationFactor(charge, new BillingWorkflow()), 20));
        Assert.Equal(16m, InvoiceLineBuilder.FlatTotal(charge, Fee, new BillingWorkflow()));
    }

    [Fact]
    public void A_cancelation_shortens_the_period_but_keeps_the_charge_id()
    {
        var running = ChargePlanner.Charges(Subscription(Jan1), Jan1.AddDays(20)).Single();
        var canceled = ChargePlanner.Charges(Subscription(Jan1, end: Jan1.AddDays(15)), Jan1.AddMonths(3)).Single();

        Assert.Equal(running.Id, canceled.Id);
        Assert.Equal(new BillingPeriod(Jan1, Jan1.AddDays(15)), canceled.ServicePeriod);
        Assert.Equal(running.Id, ChargePlanner.Charges(Subscription(Jan1), Jan1.AddDays(20)).Single().Id);
        Assert.NotEqual(running.Id, ChargePlanner.Charges(Subscription(Jan1), Jan1.AddMonths(1)).Last().Id);

        // 15 of 31 days in use: 15.00 of 31.00; under bill_full_period the end is not prorated; without proration neither.
        Assert.Equal(15m, InvoiceLineBuilder.FlatTotal(canceled, Fee, new BillingWorkflow()));
        var fullPeriod = new BillingWorkflow { Invoicing = new BillingWorkflowInvoicingSettings { SubscriptionEndProrationMode = "bill_full_period" } };
        Assert.Equal(1m, InvoiceLineBuilder.ProrationFactor(canceled, fullPeriod));
        var unprorated = ChargePlanner.Charges(Subscription(Jan1, end: Jan1.AddDays(15), prorate: false), Jan1.AddMonths(3)).Single();
        Assert.Equal(1m, InvoiceLineBuilder.ProrationFactor(unprorated, new BillingWorkflow()));
    }

    [Fact]
    public void A_flat_fee_is_rounded_to_the_currencys_minor_unit_half_away_from_zero()
    {
        var yen = ChargePlanner.Charges(Subscription(Jan1.AddDays(15), anchor: Jan1, currency: "JPY"), Jan1.AddDays(20)).Single();
        var fils = ChargePlanner.Charges(Subscription(Jan1.AddDays(15), anchor: Jan1, currency: "BHD"), Jan1.AddDays(20)).Single();

        // 16/31 × 1000 = 516.129… → 516; 16/31 × 7.5 = 3.870967… → 3.871.
        Assert.Equal(516m, InvoiceLineBuilder.FlatTotal(yen, Fee with { Amount = 1000m }, new BillingWorkflow()));
        Assert.Equal(3.871m, InvoiceLineBuilder.FlatTotal(fils, Fee with { Amount = 7.5m }, new BillingWorkflow()));
    }

    [Fact]
    public void The_bill_run_waits_for_each_lines_collection_interval_and_invoice_now_does_not()
    {
        var workflow = new BillingWorkflow();
        var periodEnd = Jan1.AddMonths(1);
        var halfHourLater = new LineSelection { AsOf = periodEnd.AddMinutes(30), Scheduled = true };
        var hourLater = new LineSelection { AsOf = periodEnd.AddHours(1), Scheduled = true };
        var invoiceNow = new LineSelection { AsOf = periodEnd.AddMinutes(30) };

        Assert.False(halfHourLater.Due(periodEnd, workflow));
        Assert.True(hourLater.Due(periodEnd, workflow));
        Assert.True(invoiceNow.Due(periodEnd, workflow));
        Assert.False(invoiceNow.Due(periodEnd.AddHours(1), workflow));
    }
}
