using System.Globalization;
using Tollgate.Billing.Invoicing.Invoices;

namespace Tollgate.Billing.Invoicing.Rendering;

/// <summary>
/// What the document says about an invoice's status: a word for the title, and a banner where the reader must not
/// mistake the page for a payable invoice (preview, draft, void) or should see at once where it stands (paid, overdue).
/// </summary>
internal sealed record StatusBanner(string CssClass, string Headline, string Explanation)
{
    /// <summary>The status as the title and the header name it.</summary>
    public static string Label(InvoiceStatus status) => status switch
    {
        InvoiceStatus.Gathering => "Preview",
        InvoiceStatus.Draft => "Draft",
        InvoiceStatus.Issuing => "Being issued",
        InvoiceStatus.Issued => "Issued",
        InvoiceStatus.PaymentProcessing => "Payment processing",
        InvoiceStatus.Overdue => "Overdue",
        InvoiceStatus.Paid => "Paid",
        InvoiceStatus.Uncollectible => "Uncollectible",
        InvoiceStatus.Voided => "Void",
        _ => status.ToString(),
    };

    /// <summary>The banner for <paramref name="invoice"/>'s status, or null for an issued invoice awaiting payment.</summary>
    public static StatusBanner? For(Invoice invoice) => invoice.Status switch
    {
        InvoiceStatus.Gathering => new("preview", "PREVIEW — not an invoice yet", "The charges gathered so far. Amounts can change until the invoice is issued; nothing is payable yet."),
        // Issuing is a draft on its way to its number: still not a document anyone should pay.
        InvoiceStatus.Draft or InvoiceStatus.Issuing => new("draft", "DRAFT — not an invoice yet", "This invoice has not been issued. Amounts can still change; nothing is payable yet."),
        InvoiceStatus.Voided => new("void", "VOID", On(invoice.VoidedAt, "This invoice was voided on {0} and is not payable.", "This invoice was voided and is not payable.")),
        InvoiceStatus.Paid => new("paid", "PAID", On(invoice.PaidAt, "Paid in full on {0}.", "Paid in full.")),
        InvoiceStatus.Overdue => new("overdue", "OVERDUE", On(invoice.DueAt, "Payment was due on {0}.", "Payment is overdue.")),
        InvoiceStatus.Uncollectible => new("void", "UNCOLLECTIBLE", "This invoice was marked uncollectible."),
        _ => null,
    };

    private static string On(DateTimeOffset? when, string withDate, string without) =>
        when is { } at ? string.Format(CultureInfo.InvariantCulture, withDate, DocumentFormat.Date(at)) : without;
}
