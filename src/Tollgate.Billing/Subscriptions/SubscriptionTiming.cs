using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// When a subscription change takes effect (OpenMeter's <c>SubscriptionTiming</c>): <c>immediate</c>,
/// <c>next_billing_cycle</c>, or an RFC 3339 date-time; on the wire it is one JSON string.
/// </summary>
[JsonConverter(typeof(SubscriptionTimingConverter))]
public readonly record struct SubscriptionTiming(SubscriptionTimingKind Kind, DateTimeOffset? At)
{
    public static SubscriptionTiming Immediate { get; } = new(SubscriptionTimingKind.Immediate, null);

    public static SubscriptionTiming NextBillingCycle { get; } = new(SubscriptionTimingKind.NextBillingCycle, null);

    public override string ToString() => Kind switch
    {
        SubscriptionTimingKind.Immediate => "immediate",
        SubscriptionTimingKind.NextBillingCycle => "next_billing_cycle",
        _ => At!.Value.ToString("O", CultureInfo.InvariantCulture),
    };
}

/// <summary>The three forms of <see cref="SubscriptionTiming"/>.</summary>
public enum SubscriptionTimingKind
{
    /// <summary>Now, by the injected clock.</summary>
    Immediate,

    /// <summary>At the end of the billing period running now.</summary>
    NextBillingCycle,

    /// <summary>At a given moment.</summary>
    At,
}

/// <summary>Reads and writes <see cref="SubscriptionTiming"/> as OpenMeter's string.</summary>
public sealed class SubscriptionTimingConverter : JsonConverter<SubscriptionTiming>
{
    public override SubscriptionTiming Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return text switch
        {
            "immediate" => SubscriptionTiming.Immediate,
            "next_billing_cycle" => SubscriptionTiming.NextBillingCycle,
            not null when text.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
                => new SubscriptionTiming(SubscriptionTimingKind.At, Storage.BillingRepository.Truncate(at)),
            _ => throw new JsonException("must be immediate, next_billing_cycle or an RFC 3339 date-time (2026-01-31T00:00:00Z)"),
        };
    }

    public override void Write(Utf8JsonWriter writer, SubscriptionTiming value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
