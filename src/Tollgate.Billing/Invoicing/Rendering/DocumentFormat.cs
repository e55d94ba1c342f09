using System.Globalization;
using Tollgate.Billing.Invoicing.Pricing;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Rendering;

/// <summary>
/// How the invoice document writes numbers and dates: culture invariant, so a document reads the same on every node
/// whatever its locale, and money exactly as the API writes it.
/// </summary>
internal static class DocumentFormat
{
    /// <summary>An amount with exactly the currency's decimals and its code, e.g. <c>2.47 USD</c>, <c>1235 JPY</c>.</summary>
    public static string Money(decimal amount, Currency currency) => Currencies.Format(amount, currency) + " " + currency.Code;

    /// <summary>
    /// A price per unit: exact, because a per-token price such as 0.00002 rounded to cents would read 0.00; padded to the
    /// currency's decimals when it has fewer, so a 5-dollar fee reads <c>5.00 USD</c>.
    /// </summary>
    public static string UnitPrice(decimal price, Currency currency) =>
        currency.Round(price) == price ? Money(price, currency) : PriceCalculator.Format(price) + " " + currency.Code;

    /// <summary>A quantity as the meter counted it: no grouping, no trailing zeros (<c>123456</c>, <c>0.5</c>).</summary>
    public static string Quantity(decimal quantity) => PriceCalculator.Format(quantity);

    /// <summary>The UTC calendar date of an instant, ISO 8601 (<c>2026-10-31</c>).</summary>
    public static string Date(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A service period as its first and last dates, e.g. <c>2026-10-01 – 2026-11-01</c>.</summary>
    public static string Period(BillingPeriod period) => Date(period.From) + " – " + Date(period.To);
}
