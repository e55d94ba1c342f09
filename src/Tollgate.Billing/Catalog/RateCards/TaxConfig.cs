using System.Text.Json.Serialization;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>How a rate card is taxed; unset parts fall back to the feature's, then the billing profile's.</summary>
public sealed record TaxConfig
{
    public TaxBehavior? Behavior { get; init; }

    public StripeTaxConfig? Stripe { get; init; }

    public CustomInvoicingTaxConfig? CustomInvoicing { get; init; }

    public string? TaxCodeId { get; init; }
}

/// <summary>Whether tax is included in the price or added to it.</summary>
[JsonConverter(typeof(StrictEnumConverter<TaxBehavior>))]
public enum TaxBehavior
{
    [JsonStringEnumMemberName("inclusive")]
    Inclusive,

    [JsonStringEnumMemberName("exclusive")]
    Exclusive,
}

/// <summary>A Stripe product tax code (<c>txcd_</c> and eight digits).</summary>
public sealed record StripeTaxConfig
{
    public required string Code { get; init; }
}

/// <summary>A tax code the custom invoicing provider interprets.</summary>
public sealed record CustomInvoicingTaxConfig
{
    public required string Code { get; init; }
}
