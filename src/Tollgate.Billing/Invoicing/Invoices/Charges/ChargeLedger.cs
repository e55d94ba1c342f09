using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Invoices.Charges;

/// <summary>What lines on invoices past gathering have billed of one charge so far.</summary>
public sealed record BilledCharge(DateTimeOffset BilledThrough, decimal MeteredQuantity, decimal Total, int Lines)
{
    public static BilledCharge None { get; } = new(DateTimeOffset.MinValue, 0m, 0m, 0);

    public BilledCharge Add(InvoiceLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new BilledCharge(
            line.Period.To > BilledThrough ? line.Period.To : BilledThrough,
            MeteredQuantity + (line.MeteredQuantity ?? 0m),
            Total + line.Totals.Total,
            Lines + 1);
    }
}

/// <summary>
/// Every charge billed by a draft or later invoice (a voided one too: voiding forgives, it does not re-bill), from one
/// state's index. Invoicing asks it before making a line, inside the change that stores the line, so a charge is never
/// billed twice however many nodes or requests collect at once.
/// </summary>
public sealed class ChargeLedger
{
    private readonly Dictionary<string, BilledCharge> _charges;

    private ChargeLedger(Dictionary<string, BilledCharge> charges) => _charges = charges;

    public static ChargeLedger Of(BillingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(Build);
    }

    /// <summary>What is billed of <paramref name="chargeId"/> (nothing: <see cref="BilledCharge.None"/>).</summary>
    public BilledCharge Billed(string chargeId) => _charges.GetValueOrDefault(chargeId) ?? BilledCharge.None;

    private static ChargeLedger Build(BillingState state)
    {
        var charges = new Dictionary<string, BilledCharge>(StringComparer.Ordinal);
        foreach (var invoice in state.All(Invoice.Kind))
        {
            if (invoice.IsDeleted || invoice.Status == InvoiceStatus.Gathering || invoice.Lines is not { } lines)
            {
                continue;
            }

            foreach (var line in lines)
            {
                if (line.ChargeId is { } id && line.DeletedAt is null)
                {
                    charges[id] = (charges.GetValueOrDefault(id) ?? BilledCharge.None).Add(line);
                }
            }
        }

        return new ChargeLedger(charges);
    }
}
