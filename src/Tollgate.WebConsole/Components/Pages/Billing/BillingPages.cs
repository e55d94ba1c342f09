using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Subscriptions;
using Tollgate.WebConsole.Components.Shared;
using Tollgate.WebConsole.Display;

namespace Tollgate.WebConsole.Components.Pages.Billing;

/// <summary>What the Billing pages share: their tabs and addresses, and how they word statuses and prices.</summary>
internal static class BillingPages
{
    /// <summary>Billing's tabs: Customers | Subscriptions | Invoices.</summary>
    public static IReadOnlyList<TabLinks.Tab> SectionTabs { get; } =
    [
        new("Customers", "metering/billing"),
        new("Subscriptions", "metering/billing/subscriptions"),
        new("Invoices", "metering/billing/invoices"),
    ];

    /// <summary>A customer's tabs: Overview | Subscriptions | Entitlements | Invoicing.</summary>
    public static IReadOnlyList<TabLinks.Tab> CustomerTabs(string id) =>
    [
        new("Overview", Customer(id)),
        new("Subscriptions", Customer(id, "subscriptions")),
        new("Entitlements", Customer(id, "entitlements")),
        new("Invoicing", Customer(id, "invoicing")),
    ];

    public static string Customer(string id, string? tab = null) =>
        "metering/billing/customers/" + Uri.EscapeDataString(id) + (tab is null ? string.Empty : "/" + tab);

    public static string Invoice(string id) => "metering/billing/invoices/" + Uri.EscapeDataString(id);

    public static string Status(SubscriptionStatus status) => status switch
    {
        SubscriptionStatus.Active => "Active",
        SubscriptionStatus.Canceled => "Ending",
        SubscriptionStatus.Scheduled => "Scheduled",
        _ => "Ended",
    };

    /// <summary>An invoice's step as people say it ("Draft, waiting for approval").</summary>
    public static string Status(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return (invoice.StatusDetails?.ExtendedStatus ?? invoice.ExtendedStatus ?? InvoiceSteps.Gathering) switch
        {
            InvoiceSteps.Gathering => "Gathering (not invoiced yet)",
            InvoiceSteps.DraftCreated or InvoiceSteps.DraftSyncing => "Draft, syncing with its app",
            InvoiceSteps.DraftInvalid => "Draft, refused by its app",
            InvoiceSteps.DraftWaitingAutoApproval => "Draft, issued automatically",
            InvoiceSteps.DraftManualApprovalNeeded => "Draft, waiting for approval",
            InvoiceSteps.IssuingPending or InvoiceSteps.IssuingSyncing => "Issuing",
            InvoiceSteps.IssuingFailed => "Issuing failed",
            InvoiceSteps.PaymentPending => "Issued, payment pending",
            InvoiceSteps.PaymentFailed => "Issued, payment failed",
            InvoiceSteps.PaymentActionRequired => "Issued, payment needs action",
            InvoiceSteps.Overdue => "Overdue",
            InvoiceSteps.Paid => "Paid",
            InvoiceSteps.Uncollectible => "Uncollectible",
            InvoiceSteps.Voided => "Voided",
            InvoiceSteps.Deleted => "Deleted",
            var other => other,
        };
    }

    /// <summary>The unit price of a line, when it has one (a unit price, or a single priced part).</summary>
    public static string LineUnitPrice(InvoiceLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var price = line.RateCard?.Price ?? line.Price;
        return price switch
        {
            UnitPrice unit => Formats.UnitPrice(unit.Amount, line.Currency),
            FlatPrice flat => Formats.UnitPrice(flat.Amount, line.Currency),
            _ when line.Children is [{ PerUnitAmount: { } each }] => Formats.UnitPrice(each, line.Currency),
            _ => "—",
        };
    }

    public static string Period(BillingPeriod? period) =>
        period is { } p ? Formats.Date(p.From) + " – " + Formats.Date(p.To) : "—";
}
