using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>An add-on offered with a plan version, from one of its phases on, up to a quantity.</summary>
public sealed record PlanAddon : IBillingDocument
{
    public static readonly DocumentKind<PlanAddon> Kind = new("plan_addon", AddonJson.Default.PlanAddon);

    public required string Id { get; init; }

    public required string PlanId { get; init; }

    public required string AddonId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required string FromPlanPhase { get; init; }

    public int? MaxQuantity { get; init; }
}

/// <summary>A <see cref="PlanAddon"/> as the API shows it (OpenMeter's <c>PlanAddon</c>): the add-on inline.</summary>
public sealed record PlanAddonView
{
    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required Addon Addon { get; init; }

    public required string FromPlanPhase { get; init; }

    public int? MaxQuantity { get; init; }

    public required IReadOnlyList<ValidationError> ValidationErrors { get; init; }
}

/// <summary>The body of <c>POST /api/v1/plans/{planId}/addons</c>.</summary>
public sealed record PlanAddonCreate
{
    public Dictionary<string, string>? Metadata { get; init; }

    public string? FromPlanPhase { get; init; }

    public int? MaxQuantity { get; init; }

    public string? AddonId { get; init; }
}

/// <summary>The body of <c>PUT /api/v1/plans/{planId}/addons/{planAddonId}</c>.</summary>
public sealed record PlanAddonReplaceUpdate
{
    public Dictionary<string, string>? Metadata { get; init; }

    public string? FromPlanPhase { get; init; }

    public int? MaxQuantity { get; init; }
}
