using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// Usage allowance given to a metered entitlement: <see cref="Amount"/> from <see cref="EffectiveAt"/> until it
/// expires or is voided, burnt down by usage in priority order, rolled over at resets, topped up at each recurrence.
/// Answered as OpenMeter's <c>EntitlementGrantV2</c>.
/// </summary>
public sealed record Grant : IBillingDocument
{
    public static readonly DocumentKind<Grant> Kind = new("grant", EntitlementJson.Default.Grant);

    public required string Id { get; init; }

    public required string EntitlementId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required decimal Amount { get; init; }

    public int Priority { get; init; } = 1;

    public required DateTimeOffset EffectiveAt { get; init; }

    public ExpirationPeriod? Expiration { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public decimal MinRolloverAmount { get; init; }

    public required decimal MaxRolloverAmount { get; init; }

    public RecurringPeriod? Recurrence { get; init; }

    public DateTimeOffset? VoidedAt { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public Dictionary<string, JsonElement>? Annotations { get; init; }

    /// <summary>Filled in answers: the next top-up after now, for a recurring grant.</summary>
    public DateTimeOffset? NextRecurrence { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>The grant as the engine burns it (a deleted grant counts as voided when it was deleted).</summary>
    public BurnableGrant ToBurnable() => new()
    {
        Id = Id,
        Amount = Amount,
        Priority = Priority,
        EffectiveAt = EffectiveAt,
        ExpiresAt = ExpiresAt,
        VoidedAt = VoidedAt ?? DeletedAt,
        MinRolloverAmount = MinRolloverAmount,
        MaxRolloverAmount = MaxRolloverAmount,
        Recurrence = Recurrence,
        CreatedAt = CreatedAt,
    };
}

/// <summary>How long a grant lasts after it becomes effective: <see cref="Count"/> × <see cref="Duration"/>.</summary>
public sealed record ExpirationPeriod
{
    /// <summary>HOUR, DAY, WEEK, MONTH or YEAR.</summary>
    public string? Duration { get; init; }

    public int Count { get; init; }

    public static readonly string[] Durations = ["HOUR", "DAY", "WEEK", "MONTH", "YEAR"];

    /// <summary>When a grant effective at <paramref name="effectiveAt"/> expires.</summary>
    public DateTimeOffset ExpiresAfter(DateTimeOffset effectiveAt) => Duration switch
    {
        "HOUR" => effectiveAt.AddHours(Count),
        "DAY" => effectiveAt.AddDays(Count),
        "WEEK" => effectiveAt.AddDays(7 * Count),
        "MONTH" => effectiveAt.AddMonths(Count),
        "YEAR" => effectiveAt.AddYears(Count),
        _ => throw new InvalidOperationException($"unknown expiration duration \"{Duration}\""),
    };
}
