using System.Text.Json.Serialization;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// Catalog enums as OpenMeter's strings only: <c>"in_arrears"</c> reads, <c>1</c> does not (the default
/// converter would take any number and store a value no client knows).
/// </summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
