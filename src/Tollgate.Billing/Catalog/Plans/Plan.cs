using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.Plans;

/// <summary>
/// One version of a plan: what a subscription sells, phase by phase, in one currency and billing cadence.
/// Only drafts change; a published version is immutable, and subscriptions keep the version they started on.
/// </summary>
public sealed record Plan : IVersionedDocument
{
    public static readonly DocumentKind<Plan> Kind = new("plan", PlanJson.Default.Plan);

    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required string Key { get; init; }

    public Alignment? Alignment { get; init; }

    public required int Version { get; init; }

    public required string Currency { get; init; }

    public required string BillingCadence { get; init; }

    public ProRatingConfig ProRatingConfig { get; init; } = ProRatingConfig.Default;

    public DateTimeOffset? EffectiveFrom { get; init; }

    public DateTimeOffset? EffectiveTo { get; init; }

    /// <summary>Derived from the effective period when read (<see cref="AsOf"/>); not stored.</summary>
    public PlanStatus? Status { get; init; }

    public SettlementMode SettlementMode { get; init; } = SettlementMode.CreditThenInvoice;

    public required IReadOnlyList<PlanPhase> Phases { get; init; }

    /// <summary>What keeps a draft from being published; derived when read, not stored.</summary>
    public IReadOnlyList<ValidationError>? ValidationErrors { get; init; }

    /// <summary>The plan's <see cref="Currencies">currency</see> (validated when stored).</summary>
    public Currency CurrencyInfo() => Currencies.Require("currency", Currency);

    /// <summary>The plan's billing cadence, parsed.</summary>
    public IsoDuration Cadence() => IsoDuration.Parse("billingCadence", BillingCadence);

    /// <summary>The plan as the API shows it at <paramref name="now"/>: status and validation errors filled in.</summary>
    public Plan AsOf(DateTimeOffset now) => this with
    {
        Status = Lifecycle.Status(this, now),
        ValidationErrors = PlanRules.PublishIssues(this),
    };
}

/// <summary>A stage of a plan (trial, ramp, steady): its rate cards apply for <see cref="Duration"/>, the last one for good.</summary>
public sealed record PlanPhase
{
    public required string Key { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>ISO 8601; null on the last phase, which never ends.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Duration { get; init; }

    public required IReadOnlyList<RateCard> RateCards { get; init; }
}

/// <summary>Whether charges are prorated when a period is cut short (on, prorate_prices, when omitted).</summary>
/// <remarks>Constructor parameters, because only those keep their default when the JSON leaves the field out.</remarks>
public sealed record ProRatingConfig(bool Enabled = true, ProRatingMode Mode = ProRatingMode.ProratePrices)
{
    public static ProRatingConfig Default { get; } = new();
}

/// <summary>How proration is done; OpenMeter has one mode.</summary>
[JsonConverter(typeof(StrictEnumConverter<ProRatingMode>))]
public enum ProRatingMode
{
    [JsonStringEnumMemberName("prorate_prices")]
    ProratePrices,
}

/// <summary>Deprecated in OpenMeter and not used; kept so clients that send it round-trip it.</summary>
public sealed record Alignment
{
    public bool? BillablesMustAlign { get; init; }
}

/// <summary>How subscriptions on the plan settle: credits then invoice, or credits only.</summary>
[JsonConverter(typeof(StrictEnumConverter<SettlementMode>))]
public enum SettlementMode
{
    [JsonStringEnumMemberName("credit_then_invoice")]
    CreditThenInvoice,

    [JsonStringEnumMemberName("credit_only")]
    CreditOnly,
}
