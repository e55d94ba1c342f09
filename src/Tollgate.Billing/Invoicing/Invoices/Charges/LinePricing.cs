using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Invoicing.Pricing;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices.Charges;

/// <summary>What one line bills of a charge: its quantities, detailed lines and totals.</summary>
public sealed record PricedCharge(
    decimal MeteredQuantity,
    decimal MeteredPreLinePeriodQuantity,
    decimal Quantity,
    decimal PreLinePeriodQuantity,
    IReadOnlyList<InvoiceDetailedLine> Children,
    InvoiceTotals Totals,
    InvoiceLineDiscounts? Discounts);

/// <summary>
/// Prices a charge cumulatively: what the whole service period costs at the metered total so far, less what earlier
/// lines of the same charge billed. Summed over all its lines a charge therefore costs exactly the price of its total
/// usage, rounded once per detailed line, however it was split (progressive billing, late usage, a cancelation).
/// </summary>
public static class LinePricing
{
    public const string BilledEarlierName = "Billed on earlier invoices";

    /// <summary>
    /// The line for <paramref name="meteredTotal"/> (metered over the service period so far; 1 for a flat fee) at
    /// <paramref name="price"/>, after <paramref name="billed"/>. Child ids derive from <paramref name="lineId"/>.
    /// </summary>
    public static PricedCharge Price(
        string lineId, string name, Price price, Discounts? discounts, decimal meteredTotal, BilledCharge billed, bool periodComplete,
        Currency currency, BillingPeriod period, DateTimeOffset invoiceAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(price);
        ArgumentNullException.ThrowIfNull(billed);
        ArgumentNullException.ThrowIfNull(currency);
        var result = PriceCalculator.Calculate(name, price, meteredTotal, currency, discounts, periodComplete);
        var children = new List<InvoiceDetailedLine>(result.Lines.Count + 1);
        for (var index = 0; index < result.Lines.Count; index++)
        {
            children.Add(Child(lineId, index, result.Lines[index], currency, period, invoiceAt, now));
        }

        if (billed.Lines > 0 && billed.Total != 0m)
        {
            var earlier = new PricedLine(BilledEarlierName, 1m, -billed.Total, -billed.Total);
            children.Add(Child(lineId, children.Count, earlier, currency, period, invoiceAt, now));
        }

        var free = price is FlatPrice ? 0m : Math.Max(0m, discounts?.Usage?.Quantity ?? 0m);
        var billable = Billable(meteredTotal, free);
        var billableBefore = Billable(billed.MeteredQuantity, free);
        var usageDiscount = result.FreeQuantity - Math.Min(billed.MeteredQuantity, free);
        var lineDiscounts = usageDiscount > 0m
            ? new InvoiceLineDiscounts
            {
                Usage =
                [
                    new InvoiceLineUsageDiscount
                    {
                        Id = DeterministicId.Of(period.From, $"{lineId}/usage-discount"),
                        CreatedAt = now,
                        UpdatedAt = now,
                        Reason = "ratecard_usage",
                        Description = $"the first {PriceCalculator.Format(free)} units of the period are free",
                        Quantity = usageDiscount,
                    },
                ],
            }
            : null;

        return new PricedCharge(
            price is FlatPrice ? 1m : meteredTotal - billed.MeteredQuantity,
            price is FlatPrice ? 0m : billed.MeteredQuantity,
            price is FlatPrice ? 1m : billable - billableBefore,
            price is FlatPrice ? 0m : billableBefore,
            children,
            InvoiceTotals.Sum(children.Select(c => c.Totals)),
            lineDiscounts);
    }

    private static decimal Billable(decimal metered, decimal free) => metered - Math.Min(metered, free);

    private static InvoiceDetailedLine Child(string lineId, int index, PricedLine priced, Currency currency, BillingPeriod period, DateTimeOffset invoiceAt, DateTimeOffset now)
    {
        var id = DeterministicId.Of(period.From, $"{lineId}/detail/{index}");
        return new InvoiceDetailedLine
        {
            Id = id,
            Name = priced.Description,
            CreatedAt = now,
            UpdatedAt = now,
            Currency = currency.Code,
            Period = period,
            InvoiceAt = invoiceAt,
            PerUnitAmount = priced.UnitPrice,
            Quantity = priced.Quantity,
            Category = priced.Category == PricedLineCategory.Commitment ? "commitment" : "regular",
            Discounts = priced.Discounts.Count == 0 ? null : new InvoiceLineDiscounts
            {
                Amount = [.. priced.Discounts.Select((d, i) => new InvoiceLineAmountDiscount
                {
                    Id = DeterministicId.Of(period.From, $"{id}/discount/{i}"),
                    CreatedAt = now,
                    UpdatedAt = now,
                    Reason = d.Reason == "maximum spend" ? "maximum_spend" : "ratecard_percentage",
                    Description = d.Reason,
                    Amount = d.Amount,
                })],
            },
            Totals = new InvoiceTotals
            {
                Amount = priced.Amount,
                DiscountsTotal = priced.DiscountAmount,
                Total = priced.Total,
            },
        };
    }
}
