using System.Text.Json.Serialization;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// One priced (or free) line of a plan phase or an add-on, OpenMeter's <c>RateCard</c>: subscriptions copy rate
/// cards into their items and invoices price usage with them.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(FlatFeeRateCard), "flat_fee")]
[JsonDerivedType(typeof(UsageBasedRateCard), "usage_based")]
public abstract record RateCard
{
    public required string Key { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public string? FeatureKey { get; init; }

    public EntitlementTemplate? EntitlementTemplate { get; init; }

    public TaxConfig? TaxConfig { get; init; }

    /// <summary>ISO 8601; null on a flat fee charged once.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? BillingCadence { get; init; }

    /// <summary>Null: the feature is free.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public Price? Price { get; init; }

    public Discounts? Discounts { get; init; }

    /// <summary>The parsed <see cref="BillingCadence"/>; null for a one-time fee (rate cards are validated when stored).</summary>
    public IsoDuration? Cadence() => BillingCadence is null ? null : IsoDuration.TryParse(BillingCadence, out var cadence) ? cadence : null;
}

/// <summary>A fixed fee, each billing period or (without a cadence) once.</summary>
public sealed record FlatFeeRateCard : RateCard;

/// <summary>A charge for the metered usage of its feature, each billing period.</summary>
public sealed record UsageBasedRateCard : RateCard;
