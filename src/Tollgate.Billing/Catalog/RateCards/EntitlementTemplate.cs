using System.Text.Json.Serialization;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// The entitlement a subscription gets for a rate card's feature (OpenMeter's <c>RateCardEntitlement</c>); the
/// feature itself is the rate card's.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(MeteredEntitlementTemplate), "metered")]
[JsonDerivedType(typeof(StaticEntitlementTemplate), "static")]
[JsonDerivedType(typeof(BooleanEntitlementTemplate), "boolean")]
public abstract record EntitlementTemplate
{
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>Access to the feature, on or off.</summary>
public sealed record BooleanEntitlementTemplate : EntitlementTemplate;

/// <summary>Access with a configuration the customer's own system reads; <see cref="Config"/> is JSON in a string.</summary>
public sealed record StaticEntitlementTemplate : EntitlementTemplate
{
    public required string Config { get; init; }
}

/// <summary>A usage allowance: <see cref="IssueAfterReset"/> granted each <see cref="UsagePeriod"/> (the rate card's cadence by default).</summary>
public sealed record MeteredEntitlementTemplate : EntitlementTemplate
{
    public bool IsSoftLimit { get; init; }

    public decimal? IssueAfterReset { get; init; }

    public int? IssueAfterResetPriority { get; init; }

    public bool PreserveOverageAtReset { get; init; }

    public string? UsagePeriod { get; init; }
}
