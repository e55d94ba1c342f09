using System.Globalization;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.WebConsole.Display;

/// <summary>How the console writes a rate card for people: its pricing model, its price in the currency, its entitlement.</summary>
public static class RateCardText
{
    /// <summary>The pricing model's name, as the rate card wizard offers it.</summary>
    public static string PricingModel(RateCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return card.Price switch
        {
            null => "Free",
            FlatPrice => "Flat fee",
            UnitPrice => "Usage Based",
            TieredPrice { Mode: TieredPriceMode.Graduated } => "Tiered (graduated)",
            TieredPrice => "Tiered (volume)",
            PackagePrice => "Package",
            DynamicPrice => "Dynamic",
            _ => card.Price.GetType().Name,
        };
    }

    /// <summary>The price in the currency ("$0.00002 per unit", "$10.00 per 1 month, in advance").</summary>
    public static string Price(RateCard card, string currency)
    {
        ArgumentNullException.ThrowIfNull(card);
        var every = card.BillingCadence is null ? "once" : "per " + Formats.Period(card.BillingCadence);
        return card.Price switch
        {
            null => "—",
            FlatPrice flat => $"{Formats.Money(flat.Amount, currency)} {every}, {(flat.PaymentTerm == PaymentTerm.InArrears ? "in arrears" : "in advance")}",
            UnitPrice unit => $"{Formats.UnitPrice(unit.Amount, currency)} per unit",
            PackagePrice package => $"{Formats.UnitPrice(package.Amount, currency)} per {Formats.Number(package.QuantityPerPackage)} units",
            TieredPrice tiered => string.Join("; ", tiered.Tiers.Select(t => Tier(t, currency))),
            DynamicPrice dynamic => $"usage value × {Formats.Number(dynamic.Multiplier)}",
            _ => "—",
        };
    }

    /// <summary>The entitlement a subscription gets ("Boolean", "Metered: 1,000 per 1 month (soft limit)").</summary>
    public static string Entitlement(RateCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return card.EntitlementTemplate switch
        {
            null => "None",
            BooleanEntitlementTemplate => "Boolean",
            StaticEntitlementTemplate => "Static",
            MeteredEntitlementTemplate metered => "Metered"
                + (metered.IssueAfterReset is { } limit ? $": {Formats.Number(limit)} per {Formats.Period(metered.UsagePeriod ?? card.BillingCadence)}" : string.Empty)
                + (metered.IsSoftLimit ? " (soft limit)" : string.Empty),
            _ => "—",
        };
    }

    private static string Tier(PriceTier tier, string currency)
    {
        var upTo = tier.UpToAmount is { } amount ? "up to " + Formats.Number(amount) : "above";
        var parts = new List<string>();
        if (tier.UnitPrice is { } unit)
        {
            parts.Add(Formats.UnitPrice(unit.Amount, currency) + " per unit");
        }

        if (tier.FlatPrice is { } flat)
        {
            parts.Add(Formats.Money(flat.Amount, currency) + " flat");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{upTo}: {string.Join(" + ", parts)}");
    }
}
