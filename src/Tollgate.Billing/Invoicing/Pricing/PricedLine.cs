namespace Tollgate.Billing.Invoicing.Pricing;

/// <summary>Why a priced line exists: a charge for the price itself, or a top-up to the minimum commitment.</summary>
public enum PricedLineCategory
{
    Regular,
    Commitment,
}

/// <summary>A discount taken off one priced line, already rounded to the currency's minor unit.</summary>
public sealed record LineDiscount(string Reason, decimal Amount);

/// <summary>
/// One detailed invoice line: <see cref="Amount"/> is the rounded charge before discounts, <see cref="Total"/> what is due.
/// <see cref="UnitPrice"/> is exact (never rounded) and null where a per-unit price means nothing.
/// </summary>
public sealed record PricedLine(string Description, decimal Quantity, decimal? UnitPrice, decimal Amount)
{
    public PricedLineCategory Category { get; init; } = PricedLineCategory.Regular;

    public IReadOnlyList<LineDiscount> Discounts { get; init; } = [];

    /// <summary>The sum of <see cref="Discounts"/>.</summary>
    public decimal DiscountAmount => Discounts.Sum(d => d.Amount);

    /// <summary>What the line adds to the invoice: its amount less its discounts.</summary>
    public decimal Total => Amount - DiscountAmount;
}

/// <summary>
/// A price applied to one service period's usage: its lines and the sums of their rounded amounts.
/// <see cref="FreeQuantity"/> is the usage the rate card's usage discount took off before pricing.
/// </summary>
public sealed record PricingResult(Currency Currency, IReadOnlyList<PricedLine> Lines, decimal FreeQuantity)
{
    /// <summary>The sum of the lines' amounts before discounts.</summary>
    public decimal Amount => Lines.Sum(l => l.Amount);

    /// <summary>The sum of the lines' discounts.</summary>
    public decimal DiscountAmount => Lines.Sum(l => l.DiscountAmount);

    /// <summary>What the period costs: the sum of the lines' totals.</summary>
    public decimal Total => Lines.Sum(l => l.Total);
}
