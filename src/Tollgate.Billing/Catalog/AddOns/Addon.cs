using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>
/// One version of an add-on: rate cards a subscription can buy on top of its plan, once or (multiple) several
/// times. Versioned and published like plans.
/// </summary>
public sealed record Addon : IVersionedDocument
{
    public static readonly DocumentKind<Addon> Kind = new("addon", AddonJson.Default.Addon);

    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required string Key { get; init; }

    public required int Version { get; init; }

    public required AddonInstanceType InstanceType { get; init; }

    public required string Currency { get; init; }

    public DateTimeOffset? EffectiveFrom { get; init; }

    public DateTimeOffset? EffectiveTo { get; init; }

    /// <summary>Derived when read (<see cref="AsOf"/>); not stored.</summary>
    public AddonStatus? Status { get; init; }

    public required IReadOnlyList<RateCard> RateCards { get; init; }

    /// <summary>What keeps a draft from being published; derived when read, not stored.</summary>
    public IReadOnlyList<ValidationError>? ValidationErrors { get; init; }

    /// <summary>The add-on as the API shows it at <paramref name="now"/>.</summary>
    public Addon AsOf(DateTimeOffset now) => this with
    {
        Status = StatusAt(now),
        ValidationErrors = RateCards.Count == 0 ? [new ValidationError("rateCards", "addon_has_no_rate_cards", "add-on must have at least one rate card")] : [],
    };

    /// <summary>Draft, active or archived; an add-on is never scheduled (publishing takes effect at once).</summary>
    public AddonStatus StatusAt(DateTimeOffset now) => Lifecycle.Status(this, now) switch
    {
        PlanStatus.Active => AddonStatus.Active,
        PlanStatus.Archived => AddonStatus.Archived,
        _ => AddonStatus.Draft,
    };
}

/// <summary>Whether a subscription takes an add-on once or in a quantity.</summary>
[JsonConverter(typeof(StrictEnumConverter<AddonInstanceType>))]
public enum AddonInstanceType
{
    [JsonStringEnumMemberName("single")]
    SingleInstance,

    [JsonStringEnumMemberName("multiple")]
    MultipleInstance,
}

/// <summary>Where an add-on version is in its life.</summary>
[JsonConverter(typeof(StrictEnumConverter<AddonStatus>))]
public enum AddonStatus
{
    [JsonStringEnumMemberName("draft")]
    Draft,

    [JsonStringEnumMemberName("active")]
    Active,

    [JsonStringEnumMemberName("archived")]
    Archived,
}
