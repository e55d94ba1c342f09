using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// A customer's subscription (OpenMeter's <c>Subscription</c>): a copy of a plan version's phases and rate cards,
/// placed in time from <see cref="ActiveFrom"/>, so later plan versions never change it. Stored with its phases;
/// the plain answer leaves <see cref="Phases"/> out, the expanded one shows them as of a moment.
/// </summary>
public sealed record Subscription : IBillingDocument
{
    public static readonly DocumentKind<Subscription> Kind = new("subscription", SubscriptionJson.Default.Subscription);

    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required DateTimeOffset ActiveFrom { get; init; }

    /// <summary>Null: runs until canceled.</summary>
    public DateTimeOffset? ActiveTo { get; init; }

    public SubscriptionAlignment? Alignment { get; init; }

    /// <summary>Derived from the clock when answered (<see cref="AsOf"/>); not stored.</summary>
    public SubscriptionStatus? Status { get; init; }

    public required string CustomerId { get; init; }

    /// <summary>The plan version it was created from; null for a custom plan.</summary>
    public PlanReference? Plan { get; init; }

    public required string Currency { get; init; }

    /// <summary>Tollgate has no custom currencies, so cost bases are always resolved dynamically.</summary>
    public string CostBasisMode { get; init; } = "dynamic";

    public IReadOnlyList<SubscriptionCostBasisPin> CostBasisPins { get; init; } = [];

    public required string BillingCadence { get; init; }

    public ProRatingConfig ProRatingConfig { get; init; } = ProRatingConfig.Default;

    /// <summary>Billing periods are <see cref="BillingCadence"/> multiples from here (see <see cref="BillingPeriods"/>).</summary>
    public required DateTimeOffset BillingAnchor { get; init; }

    public SettlementMode SettlementMode { get; init; } = SettlementMode.CreditThenInvoice;

    /// <summary>Stored: every phase with every item version. Left out of the plain answer.</summary>
    public IReadOnlyList<SubscriptionPhase>? Phases { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>The billing cadence, parsed (validated when the plan was).</summary>
    public IsoDuration Cadence() => IsoDuration.Parse("billingCadence", BillingCadence);

    /// <summary>Where the subscription is in its life at <paramref name="now"/>.</summary>
    public SubscriptionStatus StatusAt(DateTimeOffset now) =>
        ActiveFrom > now ? SubscriptionStatus.Scheduled
        : ActiveTo is { } to && to <= now ? SubscriptionStatus.Inactive
        : ActiveTo is not null ? SubscriptionStatus.Canceled
        : SubscriptionStatus.Active;

    /// <summary>Whether it still runs or will: not deleted and not ended by <paramref name="now"/>.</summary>
    public bool IsLiveAt(DateTimeOffset now) => !IsDeleted && StatusAt(now) != SubscriptionStatus.Inactive;

    /// <summary>The plain answer (OpenMeter's <c>Subscription</c>) at <paramref name="now"/>: status filled in, phases left out.</summary>
    public Subscription AsOf(DateTimeOffset now) => this with
    {
        Status = StatusAt(now),
        Phases = null,
        Alignment = AlignmentAt(now),
    };

    /// <summary>When phase <paramref name="index"/> ends: the next phase's start or the subscription's end, whichever is first.</summary>
    public DateTimeOffset? PhaseEnd(int index)
    {
        DateTimeOffset? next = index + 1 < Phases!.Count ? Phases[index + 1].ActiveFrom : null;
        return (next, ActiveTo) switch
        {
            ({ } n, { } end) => n < end ? n : end,
            ({ } n, null) => n,
            (null, var end) => end,
        };
    }

    /// <summary>When <paramref name="item"/> of phase <paramref name="phaseIndex"/> stops: its own end or its phase's, whichever is first.</summary>
    public DateTimeOffset? ItemEnd(int phaseIndex, SubscriptionItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var phaseEnd = PhaseEnd(phaseIndex);
        return (item.ActiveTo, phaseEnd) switch
        {
            ({ } own, { } phase) => own < phase ? own : phase,
            ({ } own, null) => own,
            (null, var phase) => phase,
        };
    }

    internal SubscriptionAlignment AlignmentAt(DateTimeOffset now)
    {
        var period = StatusAt(now) is SubscriptionStatus.Active or SubscriptionStatus.Canceled
            ? BillingPeriods.PeriodAt(BillingAnchor, Cadence(), now)
            : null;
        return new SubscriptionAlignment
        {
            BillablesMustAlign = Alignment?.BillablesMustAlign ?? true,
            CurrentAlignedBillingPeriod = period is { } p ? p with { To = ActiveTo is { } to && to < p.To ? to : p.To } : null,
        };
    }
}

/// <summary>A stage of a subscription, copied from a plan phase; it lasts until the next phase starts.</summary>
public sealed record SubscriptionPhase
{
    public required string Id { get; init; }

    public required string Key { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>
    /// ISO 8601 offset from the subscription's start (phase durations summed, not chained, as OpenMeter does:
    /// Jan 31 + P2M is Mar 31, where Jan 31 + P1M + P1M would be Mar 28).
    /// </summary>
    public required string StartAfter { get; init; }

    public required DateTimeOffset ActiveFrom { get; init; }

    /// <summary>Filled in answers (the next phase's start or the subscription's end); not stored.</summary>
    public DateTimeOffset? ActiveTo { get; init; }

    /// <summary>Stored: every item version of the phase. In answers: one item per key, as OpenMeter flattens them.</summary>
    public required IReadOnlyList<SubscriptionItem> Items { get; init; }

    /// <summary>Filled in answers: every version of each item, by key; not stored.</summary>
    public Dictionary<string, IReadOnlyList<SubscriptionItem>>? ItemTimelines { get; init; }
}

/// <summary>
/// One rate card of a phase over the time it applies (OpenMeter's <c>SubscriptionItem</c>): the rate card's fields
/// flattened, plus its <see cref="Type"/> and <see cref="EntitlementTemplate"/> so the copy is complete.
/// </summary>
public sealed record SubscriptionItem
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required DateTimeOffset ActiveFrom { get; init; }

    /// <summary>Stored: an end of its own (the item was removed); null lasts as long as the phase. Answers show the effective end.</summary>
    public DateTimeOffset? ActiveTo { get; init; }

    public required string Key { get; init; }

    /// <summary>The rate card's type: <c>flat_fee</c> or <c>usage_based</c>.</summary>
    public required string Type { get; init; }

    public string? FeatureKey { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? BillingCadence { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public Price? Price { get; init; }

    public Discounts? Discounts { get; init; }

    public TaxConfig? TaxConfig { get; init; }

    public EntitlementTemplate? EntitlementTemplate { get; init; }

    /// <summary>Filled in answers: the feature it grants; not stored.</summary>
    public SubscriptionItemIncluded? Included { get; init; }

    /// <summary>An item for <paramref name="rateCard"/>, active from <paramref name="activeFrom"/>.</summary>
    public static SubscriptionItem From(RateCard rateCard, DateTimeOffset activeFrom, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rateCard);
        return new SubscriptionItem
        {
            Id = Ulid.NewUlid().ToString(),
            Name = rateCard.Name,
            Description = rateCard.Description,
            Metadata = rateCard.Metadata,
            CreatedAt = now,
            UpdatedAt = now,
            ActiveFrom = activeFrom,
            Key = rateCard.Key,
            Type = rateCard is FlatFeeRateCard ? "flat_fee" : "usage_based",
            FeatureKey = rateCard.FeatureKey,
            BillingCadence = rateCard.BillingCadence,
            Price = rateCard.Price,
            Discounts = rateCard.Discounts,
            TaxConfig = rateCard.TaxConfig,
            EntitlementTemplate = rateCard.EntitlementTemplate,
        };
    }

    /// <summary>The rate card this item is a copy of (what invoicing prices usage with).</summary>
    public RateCard ToRateCard() => Type == "flat_fee"
        ? new FlatFeeRateCard { Key = Key, Name = Name, Description = Description, Metadata = Metadata, FeatureKey = FeatureKey, EntitlementTemplate = EntitlementTemplate, TaxConfig = TaxConfig, BillingCadence = BillingCadence, Price = Price, Discounts = Discounts }
        : new UsageBasedRateCard { Key = Key, Name = Name, Description = Description, Metadata = Metadata, FeatureKey = FeatureKey, EntitlementTemplate = EntitlementTemplate, TaxConfig = TaxConfig, BillingCadence = BillingCadence, Price = Price, Discounts = Discounts };
}

/// <summary>What an item grants (OpenMeter's <c>SubscriptionItemIncluded</c>); the entitlement comes with the entitlements slice.</summary>
public sealed record SubscriptionItemIncluded(Catalog.Features.Feature Feature);

/// <summary>The plan version a subscription was made from (OpenMeter's <c>PlanReference</c>).</summary>
public sealed record PlanReference(string Id, string Key, int Version);

/// <summary>OpenMeter's <c>SubscriptionCostBasisPin</c>; Tollgate pins none.</summary>
public sealed record SubscriptionCostBasisPin(string CustomCurrencyId, string InvoiceCurrency, string CostBasisId);

/// <summary>OpenMeter's <c>SubscriptionAlignment</c>: billing periods run from the anchor, and the one running now.</summary>
public sealed record SubscriptionAlignment
{
    public bool? BillablesMustAlign { get; init; }

    public BillingPeriod? CurrentAlignedBillingPeriod { get; init; }
}

/// <summary>Where a subscription is in its life, derived from its active period and the clock.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SubscriptionStatus>))]
public enum SubscriptionStatus
{
    /// <summary>Started and not canceled.</summary>
    [JsonStringEnumMemberName("active")]
    Active,

    /// <summary>Ended.</summary>
    [JsonStringEnumMemberName("inactive")]
    Inactive,

    /// <summary>Running, with an end set in the future.</summary>
    [JsonStringEnumMemberName("canceled")]
    Canceled,

    /// <summary>Starts in the future.</summary>
    [JsonStringEnumMemberName("scheduled")]
    Scheduled,
}
