using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// What a rate card charges (OpenMeter's <c>RateCardUsageBasedPrice</c>; a flat-fee rate card takes only
/// <see cref="FlatPrice"/>). Amounts are in the plan's currency, exact decimals; invoices round them.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(FlatPrice), "flat")]
[JsonDerivedType(typeof(UnitPrice), "unit")]
[JsonDerivedType(typeof(TieredPrice), "tiered")]
[JsonDerivedType(typeof(PackagePrice), "package")]
[JsonDerivedType(typeof(DynamicPrice), "dynamic")]
public abstract record Price;

/// <summary>A price with OpenMeter's commitments: the least and most a period is charged, when set.</summary>
public abstract record PriceWithCommitments : Price
{
    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? MinimumAmount { get; init; }

    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? MaximumAmount { get; init; }
}

/// <summary>When a flat price is charged: at the start of its period or at its end.</summary>
[JsonConverter(typeof(StrictEnumConverter<PaymentTerm>))]
public enum PaymentTerm
{
    [JsonStringEnumMemberName("in_advance")]
    InAdvance,

    [JsonStringEnumMemberName("in_arrears")]
    InArrears,
}

/// <summary><c>FlatPriceWithPaymentTerm</c>: a fixed amount per billing period (or once), in advance by default.</summary>
public sealed record FlatPrice : Price
{
    [JsonConverter(typeof(NumericConverter))]
    public required decimal Amount { get; init; }

    /// <summary>In advance when omitted (the enum's default).</summary>
    public PaymentTerm PaymentTerm { get; init; }
}

/// <summary><c>UnitPriceWithCommitments</c>: an amount per unit of usage.</summary>
public sealed record UnitPrice : PriceWithCommitments
{
    [JsonConverter(typeof(NumericConverter))]
    public required decimal Amount { get; init; }
}

/// <summary>How tiers apply: <c>volume</c> prices all usage at the tier the total reaches; <c>graduated</c> each unit at its own tier.</summary>
[JsonConverter(typeof(StrictEnumConverter<TieredPriceMode>))]
public enum TieredPriceMode
{
    [JsonStringEnumMemberName("volume")]
    Volume,

    [JsonStringEnumMemberName("graduated")]
    Graduated,
}

/// <summary><c>TieredPriceWithCommitments</c>: prices that change with the quantity, tier by tier.</summary>
public sealed record TieredPrice : PriceWithCommitments
{
    public required TieredPriceMode Mode { get; init; }

    public required IReadOnlyList<PriceTier> Tiers { get; init; }
}

/// <summary>One tier: up to and including <see cref="UpToAmount"/> (open when null), a flat and/or a unit price.</summary>
public sealed record PriceTier
{
    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? UpToAmount { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public TierFlatPrice? FlatPrice { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public TierUnitPrice? UnitPrice { get; init; }
}

/// <summary>A tier's flat component (OpenMeter's <c>FlatPrice</c>, <c>type</c> always <c>flat</c>).</summary>
public sealed record TierFlatPrice
{
    /// <summary>Always <c>flat</c>: written for OpenMeter clients, nothing to read.</summary>
    public string Type { get; } = "flat";

    [JsonConverter(typeof(NumericConverter))]
    public required decimal Amount { get; init; }
}

/// <summary>A tier's per-unit component (OpenMeter's <c>UnitPrice</c>, <c>type</c> always <c>unit</c>).</summary>
public sealed record TierUnitPrice
{
    /// <summary>Always <c>unit</c>: written for OpenMeter clients, nothing to read.</summary>
    public string Type { get; } = "unit";

    [JsonConverter(typeof(NumericConverter))]
    public required decimal Amount { get; init; }
}

/// <summary><c>PackagePriceWithCommitments</c>: <see cref="Amount"/> per started package of <see cref="QuantityPerPackage"/> units.</summary>
public sealed record PackagePrice : PriceWithCommitments
{
    [JsonConverter(typeof(NumericConverter))]
    public required decimal Amount { get; init; }

    [JsonConverter(typeof(NumericConverter))]
    public required decimal QuantityPerPackage { get; init; }
}

/// <summary><c>DynamicPriceWithCommitments</c>: the metered value is itself the base price, times <see cref="Multiplier"/> (1 when omitted).</summary>
/// <remarks>A constructor parameter, because only those keep their default when the JSON leaves the field out.</remarks>
public sealed record DynamicPrice([property: JsonConverter(typeof(NumericConverter))] decimal Multiplier = 1m) : PriceWithCommitments;
