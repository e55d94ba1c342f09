using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>Invoices by customer and each customer's gathering invoice per currency, from one state's index.</summary>
public sealed class InvoiceLookup
{
    private readonly Dictionary<string, List<Invoice>> _byCustomer;
    private readonly Dictionary<(string Customer, string Currency), Invoice> _gathering;

    private InvoiceLookup(Dictionary<string, List<Invoice>> byCustomer, Dictionary<(string, string), Invoice> gathering)
    {
        _byCustomer = byCustomer;
        _gathering = gathering;
    }

    public static InvoiceLookup Of(BillingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(Build);
    }

    /// <summary>The customer's live invoices, oldest first.</summary>
    public IReadOnlyList<Invoice> OfCustomer(string customerId) => _byCustomer.GetValueOrDefault(customerId) ?? [];

    /// <summary>The customer's gathering invoice in <paramref name="currency"/>, if one was made.</summary>
    public Invoice? Gathering(string customerId, string currency) => _gathering.GetValueOrDefault((customerId, currency));

    private static InvoiceLookup Build(BillingState state)
    {
        var byCustomer = new Dictionary<string, List<Invoice>>(StringComparer.Ordinal);
        var gathering = new Dictionary<(string, string), Invoice>();
        foreach (var invoice in state.All(Invoice.Kind))
        {
            if (invoice.IsDeleted)
            {
                continue;
            }

            if (!byCustomer.TryGetValue(invoice.CustomerId, out var list))
            {
                byCustomer[invoice.CustomerId] = list = [];
            }

            list.Add(invoice);
            if (invoice.Status == InvoiceStatus.Gathering)
            {
                gathering[(invoice.CustomerId, invoice.Currency)] = invoice;
            }
        }

        foreach (var list in byCustomer.Values)
        {
            list.Sort((a, b) => (a.CreatedAt, a.Id).CompareTo((b.CreatedAt, b.Id)));
        }

        return new InvoiceLookup(byCustomer, gathering);
    }
}
