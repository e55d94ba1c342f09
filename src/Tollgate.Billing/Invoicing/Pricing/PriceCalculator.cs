using System.Globalization;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Invoicing.Pricing;

/// <summary>
/// Prices one service period's usage as OpenMeter's line service does: the usage discount takes free units off first,
/// the price makes detailed lines (each rounded half away from zero to the currency's minor unit), then the percentage
/// discount, the maximum commitment (an overage discount on the lines past it) and the minimum commitment (a top-up line).
/// Pure and synchronous: the same inputs always give the same lines.
/// </summary>
public static class PriceCalculator
{
    /// <summary>
    /// Prices <paramref name="quantity"/> (the period's metered total; a cost for dynamic prices) at <paramref name="price"/>;
    /// every detailed line's description starts with <paramref name="name"/> (e.g. the rate card's name). The minimum
    /// commitment is only topped up when <paramref name="periodComplete"/>: a part of a period billed early (progressive
    /// billing) cannot know yet whether the whole period reaches it.
    /// </summary>
    public static PricingResult Calculate(string name, Price price, decimal quantity, Currency currency, Discounts? discounts = null, bool periodComplete = true)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(price);
        ArgumentNullException.ThrowIfNull(currency);
        ArgumentOutOfRangeException.ThrowIfNegative(quantity);

        // A flat fee has no usage to discount; anything else prices what is left after the free units.
        var free = price is FlatPrice ? 0m : Math.Min(quantity, Math.Max(0m, discounts?.Usage?.Quantity ?? 0m));
        var billed = quantity - free;

        var lines = price switch
        {
            FlatPrice flat => [Line($"{name}: flat price", 1m, flat.Amount, currency)],
            UnitPrice unit => [Line($"{name}: usage in period", billed, unit.Amount, currency)],
            PackagePrice package => PackageLines(name, package, billed, currency),
            DynamicPrice dynamic => [Line($"{name}: usage in period", billed, dynamic.Multiplier, currency)],
            TieredPrice { Mode: TieredPriceMode.Graduated } tiered => TieredPricing.Graduated(name, tiered, billed, currency),
            TieredPrice tiered => TieredPricing.Volume(name, tiered, billed, currency),
            _ => throw new ArgumentException($"Unknown price type {price.GetType().Name}.", nameof(price)),
        };

        if (discounts?.Percentage is { } percentage)
        {
            lines = ApplyPercentage(lines, percentage.Percentage, currency);
        }

        if (price is PriceWithCommitments commitments)
        {
            if (commitments.MaximumAmount is { } maximum)
            {
                lines = ApplyMaximum(lines, maximum);
            }

            if (commitments.MinimumAmount is { } minimum && periodComplete)
            {
                lines = ApplyMinimum(name, lines, minimum, currency);
            }
        }

        return new PricingResult(currency, lines, free);
    }

    /// <summary>A line of <paramref name="quantity"/> at an exact <paramref name="unitPrice"/>, its amount rounded once.</summary>
    internal static PricedLine Line(string description, decimal quantity, decimal unitPrice, Currency currency) =>
        new(description, quantity, unitPrice, currency.Round(quantity * unitPrice));

    internal static string Format(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private static List<PricedLine> PackageLines(string name, PackagePrice package, decimal quantity, Currency currency)
    {
        if (package.QuantityPerPackage <= 0)
        {
            throw new ArgumentException("A package price needs a positive quantity per package.", nameof(package));
        }

        // Every started package is charged in full; no usage is no package (OpenMeter does not charge a first package at 0).
        var packages = decimal.Ceiling(quantity / package.QuantityPerPackage);
        var description = $"{name}: usage in period ({Format(quantity)} in packages of {Format(package.QuantityPerPackage)})";
        return [Line(description, packages, package.Amount, currency)];
    }

    private static List<PricedLine> ApplyPercentage(List<PricedLine> lines, decimal percentage, Currency currency)
    {
        if (percentage is < 0m or > 100m)
        {
            throw new ArgumentOutOfRangeException(nameof(percentage), percentage, "A percentage discount is from 0 to 100.");
        }

        var reason = $"{Format(percentage)}% discount";
        return lines.ConvertAll(line => line with { Discounts = [.. line.Discounts, new LineDiscount(reason, currency.Round(line.Total * percentage / 100m))] });
    }

    /// <summary>
    /// Caps the period at <paramref name="maximum"/>: lines keep their amounts, and whatever a line takes the running
    /// total past the maximum becomes that line's discount (OpenMeter's overage discount), so later lines are discounted whole.
    /// </summary>
    private static List<PricedLine> ApplyMaximum(List<PricedLine> lines, decimal maximum)
    {
        var billedBefore = 0m;
        var result = new List<PricedLine>(lines.Count);
        foreach (var line in lines)
        {
            var total = line.Total;
            var overage = Math.Min(total, Math.Max(0m, billedBefore + total - maximum));
            result.Add(overage > 0m ? line with { Discounts = [.. line.Discounts, new LineDiscount("maximum spend", overage)] } : line);
            billedBefore += total - overage;
        }

        return result;
    }

    /// <summary>Tops the period up to <paramref name="minimum"/> with a commitment line when its total (after discounts) is below it.</summary>
    private static List<PricedLine> ApplyMinimum(string name, List<PricedLine> lines, decimal minimum, Currency currency)
    {
        var total = lines.Sum(l => l.Total);
        var topUp = currency.Round(minimum - total);
        if (topUp <= 0m)
        {
            return lines;
        }

        return [.. lines, new PricedLine($"{name}: minimum spend", 1m, topUp, topUp) { Category = PricedLineCategory.Commitment }];
    }
}
