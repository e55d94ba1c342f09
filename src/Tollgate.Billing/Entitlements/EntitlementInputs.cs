using System.Text.Json;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// The body that creates an entitlement (OpenMeter's <c>EntitlementV2CreateInputs</c> and the v1 inputs): one flat
/// shape for the three types, told apart by <see cref="Type"/>, so a missing or unknown type is a 400 naming
/// <c>type</c> and fields that do not belong to the type are refused by name.
/// </summary>
public sealed record EntitlementCreateInputs
{
    public string? Type { get; init; }

    public string? FeatureKey { get; init; }

    public string? FeatureId { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>Static: a JSON document as a string.</summary>
    public string? Config { get; init; }

    public RecurringPeriodInput? UsagePeriod { get; init; }

    /// <summary><c>CURRENT_PERIOD_START</c>, <c>NOW</c> or a date-time.</summary>
    public JsonElement? MeasureUsageFrom { get; init; }

    public bool? IsSoftLimit { get; init; }

    /// <summary>Deprecated by OpenMeter; only <c>false</c> is taken.</summary>
    public bool? IsUnlimited { get; init; }

    public bool? PreserveOverageAtReset { get; init; }

    /// <summary>Deprecated form of <see cref="Issue"/>.</summary>
    public decimal? IssueAfterReset { get; init; }

    public int? IssueAfterResetPriority { get; init; }

    public IssueAfterResetInput? Issue { get; init; }

    /// <summary>V2: grants created with the entitlement.</summary>
    public List<GrantCreateInput>? Grants { get; init; }
}

/// <summary>A usage period or recurrence as given: the interval, and the anchor (now or the grant's start by default).</summary>
public sealed record RecurringPeriodInput
{
    public string? Interval { get; init; }

    public DateTimeOffset? Anchor { get; init; }
}

/// <summary>OpenMeter's <c>IssueAfterReset</c>.</summary>
public sealed record IssueAfterResetInput
{
    public decimal? Amount { get; init; }

    public int? Priority { get; init; }
}

/// <summary>OpenMeter's <c>EntitlementGrantCreateInputV2</c> (and the v1 grant input).</summary>
public sealed record GrantCreateInput
{
    public decimal? Amount { get; init; }

    public int? Priority { get; init; }

    public DateTimeOffset? EffectiveAt { get; init; }

    public ExpirationPeriod? Expiration { get; init; }

    public decimal? MinRolloverAmount { get; init; }

    public decimal? MaxRolloverAmount { get; init; }

    public RecurringPeriodInput? Recurrence { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public Dictionary<string, JsonElement>? Annotations { get; init; }
}

/// <summary>OpenMeter's <c>ResetEntitlementUsageInput</c>.</summary>
public sealed record ResetEntitlementUsageInput
{
    public DateTimeOffset? EffectiveAt { get; init; }

    public bool? RetainAnchor { get; init; }

    public bool? PreserveOverage { get; init; }
}

/// <summary>What a caller other than the API (a subscription) sets on the entitlements it creates.</summary>
public sealed record EntitlementPlacement
{
    public DateTimeOffset? ActiveFrom { get; init; }

    public DateTimeOffset? ActiveTo { get; init; }

    public Dictionary<string, JsonElement>? Annotations { get; init; }
}
