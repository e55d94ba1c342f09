using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>
/// How a billing profile turns pending lines into invoices (OpenMeter's <c>BillingWorkflow</c>): when lines are
/// collected, how long a draft waits, when it is due. Every part has OpenMeter's defaults, so <c>new()</c> is the
/// default workflow.
/// </summary>
public sealed record BillingWorkflow
{
    public BillingWorkflowCollectionSettings Collection { get; init; } = new();

    public BillingWorkflowInvoicingSettings Invoicing { get; init; } = new();

    public BillingWorkflowPaymentSettings Payment { get; init; } = new();

    public BillingWorkflowTaxSettings Tax { get; init; } = new();
}

/// <summary>When pending lines are gathered into an invoice: at their own time (subscription) or on an anchored cadence, plus a grace interval.</summary>
public sealed record BillingWorkflowCollectionSettings
{
    public CollectionAlignment Alignment { get; init; } = new SubscriptionCollectionAlignment();

    /// <summary>ISO 8601 grace period after a line is due before it is collected (late events still count); PT1H by default.</summary>
    public string Interval { get; init; } = "PT1H";

    /// <summary>
    /// When a line due at <paramref name="invoiceAt"/> is collected into a draft: at once (subscription alignment) or at
    /// the next anchored boundary, then the grace interval later.
    /// </summary>
    public DateTimeOffset CollectionAt(DateTimeOffset invoiceAt)
    {
        var aligned = Alignment is AnchoredCollectionAlignment anchored
            ? anchored.RecurringPeriod.NextAtOrAfter(invoiceAt)
            : invoiceAt;
        return IsoDuration.Parse("workflow.collection.interval", Interval).AddTo(aligned);
    }
}

/// <summary>OpenMeter's <c>BillingWorkflowCollectionAlignment</c>, by <c>type</c>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SubscriptionCollectionAlignment), "subscription")]
[JsonDerivedType(typeof(AnchoredCollectionAlignment), "anchored")]
public abstract record CollectionAlignment;

/// <summary>Collect each line when it is due (a subscription's period start or end).</summary>
public sealed record SubscriptionCollectionAlignment : CollectionAlignment;

/// <summary>Collect lines only on the boundaries of <see cref="RecurringPeriod"/> (e.g. every month on the 1st).</summary>
public sealed record AnchoredCollectionAlignment : CollectionAlignment
{
    public required CollectionRecurringPeriod RecurringPeriod { get; init; }
}

/// <summary>OpenMeter's <c>RecurringPeriodV2</c>: an interval (ISO 8601) from an anchor.</summary>
public sealed record CollectionRecurringPeriod
{
    public required string Interval { get; init; }

    public required DateTimeOffset Anchor { get; init; }

    /// <summary>The first boundary at or after <paramref name="at"/>.</summary>
    public DateTimeOffset NextAtOrAfter(DateTimeOffset at)
    {
        var period = BillingPeriods.PeriodAt(Anchor, IsoDuration.Parse("workflow.collection.alignment.recurringPeriod.interval", Interval), at);
        return period.From == at ? at : period.To;
    }
}

/// <summary>Draft, issue and due timing (OpenMeter's <c>BillingWorkflowInvoicingSettings</c>).</summary>
public sealed record BillingWorkflowInvoicingSettings
{
    /// <summary>Issue a draft on its own once <see cref="DraftPeriod"/> has passed; false waits for <c>approve</c>.</summary>
    public bool AutoAdvance { get; init; } = true;

    /// <summary>ISO 8601 time a draft waits for review before it is issued; P0D by default.</summary>
    public string DraftPeriod { get; init; } = "P0D";

    /// <summary>ISO 8601 time from issue to due; P30D by default.</summary>
    public string DueAfter { get; init; } = "P30D";

    /// <summary>Whether "invoice now" may bill usage of a period still running (the rest follows on a later invoice).</summary>
    public bool ProgressiveBilling { get; init; } = true;

    /// <summary><c>bill_actual_period</c> (prorate a shortened last period) or <c>bill_full_period</c>.</summary>
    public string SubscriptionEndProrationMode { get; init; } = "bill_actual_period";

    public TaxConfig? DefaultTaxConfig { get; init; }
}

/// <summary>How invoices are paid: charged to the customer's method on file, or sent to be paid.</summary>
public sealed record BillingWorkflowPaymentSettings
{
    /// <summary><c>charge_automatically</c> or <c>send_invoice</c>.</summary>
    public string CollectionMethod { get; init; } = "charge_automatically";
}

/// <summary>Whether the tax app calculates tax (Tollgate's sandbox app calculates none).</summary>
public sealed record BillingWorkflowTaxSettings
{
    public bool Enabled { get; init; } = true;

    public bool Enforced { get; init; }
}
