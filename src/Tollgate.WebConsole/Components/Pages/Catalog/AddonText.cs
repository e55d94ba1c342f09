using Tollgate.Billing.Catalog.AddOns;

namespace Tollgate.WebConsole.Components.Pages.Catalog;

/// <summary>How the add-on pages write statuses and instance types.</summary>
public static class AddonText
{
    public static string Status(AddonStatus status) => status.ToString().ToLowerInvariant();

    public static string StatusBadge(AddonStatus status) => status switch
    {
        AddonStatus.Active => "badge ok",
        AddonStatus.Draft => "badge accent",
        _ => "badge",
    };

    public static string InstanceType(AddonInstanceType type) => type == AddonInstanceType.MultipleInstance ? "Multiple" : "Single";
}
