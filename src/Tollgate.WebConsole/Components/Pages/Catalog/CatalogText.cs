using System.Globalization;
using System.Text;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.WebConsole.Display;

namespace Tollgate.WebConsole.Components.Pages.Catalog;

/// <summary>How the catalog pages write keys, statuses, prices and entitlements for people.</summary>
public static class CatalogText
{
    /// <summary>
    /// The key a typed name suggests: lower case, letters and digits kept, hyphens and underscores kept between
    /// words, anything else joins words with an underscore ("ai-token" → "ai-token", "Token Pro" → "token_pro").
    /// The service decides whether it is a valid key.
    /// </summary>
    public static string KeyFrom(string? name)
    {
        var key = new StringBuilder();
        foreach (var c in (name ?? string.Empty).Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                key.Append(c);
            }
            else if (key.Length > 0 && key[^1] is not ('_' or '-'))
            {
                key.Append(c is '-' ? '-' : '_');
            }
        }

        return key.ToString().TrimEnd('_', '-');
    }

    public static string Status(PlanStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The badge class of a status: active stands out, drafts are accented, the rest plain.</summary>
    public static string? StatusBadge(PlanStatus status) => status switch
    {
        PlanStatus.Active => "badge ok",
        PlanStatus.Draft => "badge accent",
        _ => "badge",
    };

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
