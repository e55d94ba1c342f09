using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>The last invoice number a billing profile issued; stored so numbers never repeat, across nodes too.</summary>
public sealed record InvoiceNumberSequence : IBillingDocument
{
    public static readonly DocumentKind<InvoiceNumberSequence> Kind = new("invoice_number_sequence", InvoiceJson.Default.InvoiceNumberSequence);

    /// <summary>The billing profile's id.</summary>
    public required string Id { get; init; }

    public required long Last { get; init; }
}

/// <summary>Invoice numbers: <c>INV-000001</c> and up per profile once issued; drafts and gathering invoices carry a temporary one.</summary>
public static class InvoiceNumbers
{
    /// <summary>Takes the next number of <paramref name="profileId"/>'s sequence, inside <paramref name="change"/>.</summary>
    public static string Next(BillingChange change, string profileId)
    {
        ArgumentNullException.ThrowIfNull(change);
        var last = change.State.Find(InvoiceNumberSequence.Kind, profileId)?.Last ?? 0;
        change.Put(InvoiceNumberSequence.Kind, new InvoiceNumberSequence { Id = profileId, Last = last + 1 });
        return $"INV-{last + 1:D6}";
    }

    /// <summary>A draft's temporary number.</summary>
    public static string Draft(string invoiceId) => $"DRAFT-{invoiceId[^8..]}";

    /// <summary>A gathering invoice's number.</summary>
    public static string Gathering(string invoiceId) => $"GATHER-{invoiceId[^8..]}";
}
