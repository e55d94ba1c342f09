using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Invoicing.Pricing;

/// <summary>
/// The two tiered modes. A tier covers quantities above the previous tier's <c>upToAmount</c> up to and including its
/// own (OpenMeter: <c>quantity &lt;= upToAmount</c> falls in the tier); the last tier is open (no <c>upToAmount</c>).
/// </summary>
internal static class TieredPricing
{
    /// <summary>Each tier's share of the quantity at the tier's unit price, plus the flat price of every tier reached.</summary>
    public static List<PricedLine> Graduated(string name, TieredPrice price, decimal quantity, Currency currency)
    {
        var tiers = Sorted(price);
        var lines = new List<PricedLine>();
        var from = 0m;
        for (var index = 0; index < tiers.Count; index++)
        {
            var tier = tiers[index];

            // A tier is reached when some quantity lies above its lower bound; at zero the first tier alone is reached,
            // so its flat price is charged (as OpenMeter does) and its usage line is kept at 0.
            if (from >= quantity && !(index == 0 && quantity == 0m))
            {
                break;
            }

            var to = tier.UpToAmount is { } upTo ? Math.Min(upTo, quantity) : quantity;
            var range = Range(from, tier.UpToAmount);
            if (tier.UnitPrice is { } unit)
            {
                lines.Add(PriceCalculator.Line($"{name}: usage price for tier {index + 1} ({range})", to - from, unit.Amount, currency));
            }

            if (tier.FlatPrice is { } flat)
            {
                lines.Add(PriceCalculator.Line($"{name}: flat price for tier {index + 1} ({range})", 1m, flat.Amount, currency));
            }

            from = tier.UpToAmount ?? quantity;
        }

        return lines;
    }

    /// <summary>The whole quantity at the one tier it falls into, plus that tier's flat price.</summary>
    public static List<PricedLine> Volume(string name, TieredPrice price, decimal quantity, Currency currency)
    {
        var tiers = Sorted(price);
        var from = 0m;
        for (var index = 0; index < tiers.Count; index++)
        {
            var tier = tiers[index];
            if (tier.UpToAmount is { } upTo && quantity > upTo)
            {
                from = upTo;
                continue;
            }

            var range = Range(from, tier.UpToAmount);
            var lines = new List<PricedLine>(2);
            if (tier.FlatPrice is { } flat)
            {
                lines.Add(PriceCalculator.Line($"{name}: flat price for tier {index + 1} ({range})", 1m, flat.Amount, currency));
            }

            if (tier.UnitPrice is { } unit)
            {
                lines.Add(PriceCalculator.Line($"{name}: unit price for tier {index + 1} ({range})", quantity, unit.Amount, currency));
            }

            return lines;
        }

        throw new ArgumentException($"The quantity {PriceCalculator.Format(quantity)} is past the last tier; a tiered price needs an open last tier.", nameof(price));
    }

    private static List<PriceTier> Sorted(TieredPrice price)
    {
        if (price.Tiers.Count == 0)
        {
            throw new ArgumentException("A tiered price needs at least one tier.", nameof(price));
        }

        // The open tier (no upToAmount) is the last; the catalog's validation keeps there being at most one.
        return [.. price.Tiers.OrderBy(t => t.UpToAmount ?? decimal.MaxValue)];
    }

    private static string Range(decimal from, decimal? upTo) =>
        upTo is { } to ? $"above {PriceCalculator.Format(from)} up to {PriceCalculator.Format(to)}" : $"above {PriceCalculator.Format(from)}";
}
