using Tollgate.Billing.Catalog.Plans;

namespace Tollgate.WebConsole.Components.Pages.Catalog;

/// <summary>How the catalog pages write plan statuses for people.</summary>
public static class CatalogText
{
    public static string Status(PlanStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The badge class of a status: active stands out, drafts are accented, the rest plain.</summary>
    public static string? StatusBadge(PlanStatus status) => status switch
    {
        PlanStatus.Active => "badge ok",
        PlanStatus.Draft => "badge accent",
        _ => "badge",
    };
}
