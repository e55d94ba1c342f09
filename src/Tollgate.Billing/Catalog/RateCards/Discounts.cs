using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>A rate card's discounts: a percentage off its charges and/or a number of free units of usage.</summary>
public sealed record Discounts
{
    public DiscountPercentage? Percentage { get; init; }

    public DiscountUsage? Usage { get; init; }
}

/// <summary>A percentage off (50 is 50%), from 0 to 100; a JSON number as OpenMeter's <c>Percentage</c>.</summary>
public sealed record DiscountPercentage
{
    public required decimal Percentage { get; init; }
}

/// <summary>The first <see cref="Quantity"/> units of usage in each period are free.</summary>
public sealed record DiscountUsage
{
    [JsonConverter(typeof(NumericConverter))]
    public required decimal Quantity { get; init; }
}
