using System.Text.Json.Serialization;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>
/// One line of an invoice (OpenMeter's usage-based <c>InvoiceLine</c>, the only line type of v1 answers; a flat fee is
/// a line with a flat price): what is sold over <see cref="Period"/>, the quantity, and the detailed lines that price it.
/// </summary>
public sealed record InvoiceLine
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary><c>subscription</c>, <c>system</c> (adjustments) or <c>manual</c> (pending lines).</summary>
    public required string ManagedBy { get; init; }

    /// <summary><c>valid</c>, or <c>detailed</c> for the children.</summary>
    public string Status { get; init; } = "valid";

    public required string Currency { get; init; }

    public required BillingPeriod Period { get; init; }

    public required DateTimeOffset InvoiceAt { get; init; }

    public string Type { get; init; } = "usage_based";

    public InvoiceReference? Invoice { get; init; }

    public InvoiceLineRateCard? RateCard { get; init; }

    /// <summary>Deprecated by OpenMeter in favour of <see cref="RateCard"/>; still written.</summary>
    public string? FeatureKey { get; init; }

    /// <summary>Deprecated by OpenMeter in favour of <see cref="RateCard"/>; still written.</summary>
    public Price? Price { get; init; }

    /// <summary>What is billed, after usage discounts.</summary>
    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? Quantity { get; init; }

    /// <summary>What the meter counted in the period, before discounts.</summary>
    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? MeteredQuantity { get; init; }

    /// <summary>What earlier lines of the same service period already billed (progressive billing, late usage).</summary>
    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? PreLinePeriodQuantity { get; init; }

    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? MeteredPreLinePeriodQuantity { get; init; }

    public IReadOnlyList<InvoiceDetailedLine> Children { get; init; } = [];

    public InvoiceLineDiscounts? Discounts { get; init; }

    public InvoiceTotals Totals { get; init; } = InvoiceTotals.Zero;

    public InvoiceLineSubscriptionReference? Subscription { get; init; }

    public TaxConfig? TaxConfig { get; init; }

    /// <summary>
    /// Stored, never answered: the charge this line bills part of (a subscription item's service period, or the line
    /// itself), so later lines bill only what earlier ones did not.
    /// </summary>
    public string? ChargeId { get; init; }
}

/// <summary>A priced part of a line (OpenMeter's <c>InvoiceDetailedLine</c>): a quantity at a unit amount.</summary>
public sealed record InvoiceDetailedLine
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public string ManagedBy { get; init; } = "system";

    public string Status { get; init; } = "detailed";

    public required string Currency { get; init; }

    public required BillingPeriod Period { get; init; }

    public required DateTimeOffset InvoiceAt { get; init; }

    public string Type { get; init; } = "flat_fee";

    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? PerUnitAmount { get; init; }

    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? Quantity { get; init; }

    public string PaymentTerm { get; init; } = "in_arrears";

    /// <summary><c>regular</c> or <c>commitment</c> (a minimum-spend top-up).</summary>
    public string Category { get; init; } = "regular";

    public InvoiceLineDiscounts? Discounts { get; init; }

    public InvoiceTotals Totals { get; init; } = InvoiceTotals.Zero;
}

/// <summary>The rate card a line was priced with (OpenMeter's <c>InvoiceUsageBasedRateCard</c>).</summary>
public sealed record InvoiceLineRateCard
{
    public string? FeatureKey { get; init; }

    public TaxConfig? TaxConfig { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public Price? Price { get; init; }

    public Discounts? Discounts { get; init; }
}

/// <summary>A line's discounts by kind (OpenMeter's <c>InvoiceLineDiscounts</c>).</summary>
public sealed record InvoiceLineDiscounts
{
    public IReadOnlyList<InvoiceLineAmountDiscount>? Amount { get; init; }

    public IReadOnlyList<InvoiceLineUsageDiscount>? Usage { get; init; }
}

/// <summary>An amount taken off a line.</summary>
public sealed record InvoiceLineAmountDiscount
{
    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>OpenMeter's <c>BillingDiscountReason</c>: <c>maximum_spend</c>, <c>ratecard_percentage</c>, <c>ratecard_usage</c>.</summary>
    public required string Reason { get; init; }

    public string? Description { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public required decimal Amount { get; init; }
}

/// <summary>Usage taken off a line before pricing.</summary>
public sealed record InvoiceLineUsageDiscount
{
    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required string Reason { get; init; }

    public string? Description { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public required decimal Quantity { get; init; }
}

/// <summary>A reference to the invoice a line is on.</summary>
public sealed record InvoiceReference(string Id, string? Number = null);

/// <summary>A reference to a resource by id.</summary>
public sealed record IdReference(string Id);

/// <summary>The subscription, phase and item a line bills (OpenMeter's <c>InvoiceLineSubscriptionReference</c>).</summary>
public sealed record InvoiceLineSubscriptionReference(IdReference Subscription, IdReference Phase, IdReference Item, BillingPeriod BillingPeriod);

/// <summary>
/// Sums of a line or an invoice (OpenMeter's <c>InvoiceTotals</c>); every figure is already rounded to the currency,
/// and an invoice's are the sums of its lines'.
/// </summary>
public sealed record InvoiceTotals
{
    public static InvoiceTotals Zero { get; } = new();

    [JsonConverter(typeof(NumericConverter))]
    public decimal Amount { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal ChargesTotal { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal DiscountsTotal { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal CreditsTotal { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal TaxesInclusiveTotal { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal TaxesExclusiveTotal { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal TaxesTotal { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public decimal Total { get; init; }

    /// <summary>Part by part sum.</summary>
    public static InvoiceTotals operator +(InvoiceTotals a, InvoiceTotals b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new InvoiceTotals
        {
            Amount = a.Amount + b.Amount,
            ChargesTotal = a.ChargesTotal + b.ChargesTotal,
            DiscountsTotal = a.DiscountsTotal + b.DiscountsTotal,
            CreditsTotal = a.CreditsTotal + b.CreditsTotal,
            TaxesInclusiveTotal = a.TaxesInclusiveTotal + b.TaxesInclusiveTotal,
            TaxesExclusiveTotal = a.TaxesExclusiveTotal + b.TaxesExclusiveTotal,
            TaxesTotal = a.TaxesTotal + b.TaxesTotal,
            Total = a.Total + b.Total,
        };
    }

    public static InvoiceTotals Add(InvoiceTotals a, InvoiceTotals b) => a + b;

    /// <summary>The sum of <paramref name="totals"/>.</summary>
    public static InvoiceTotals Sum(IEnumerable<InvoiceTotals> totals) => totals.Aggregate(Zero, (sum, t) => sum + t);
}
