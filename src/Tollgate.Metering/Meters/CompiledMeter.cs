using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tollgate.Metering.Meters;

/// <summary>A meter with its JSONPath expressions parsed, ready to turn event data into a contribution.</summary>
public sealed class CompiledMeter
{
    private readonly JsonPath? _value;
    private readonly JsonPath[] _groupPaths;

    public CompiledMeter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        Meter = meter;
        if (meter.Aggregation != MeterAggregation.Count)
        {
            _value = JsonPath.TryParse(meter.ValueProperty, out var value, out var error)
                ? value
                : throw new InvalidOperationException($"meter {meter.Slug}: valueProperty {error}");
        }

        GroupKeys = [.. meter.GroupBy.Select(g => g.Key)];
        _groupPaths = [.. meter.GroupBy.Select(g => JsonPath.TryParse(g.Value, out var path, out var error)
            ? path!
            : throw new InvalidOperationException($"meter {meter.Slug}: groupBy {g.Key} {error}"))];
    }

    public Meter Meter { get; }

    /// <summary>Group-by keys in stored order.</summary>
    public IReadOnlyList<string> GroupKeys { get; }

    /// <summary>
    /// Extracts what one event adds to this meter. Returns null with <paramref name="error"/> set when the event
    /// matches the meter's type but cannot be counted (missing or non-numeric value), and null without error when
    /// the event is before the meter's <c>eventFrom</c>.
    /// </summary>
    public MeterContribution? Extract(string subject, long timeTicks, JsonElement data, out string? error)
    {
        error = null;
        if (Meter.EventFrom is { } from && timeTicks < from.UtcTicks)
        {
            return null;
        }

        decimal value = 0;
        string? distinct = null;
        switch (Meter.Aggregation)
        {
            case MeterAggregation.Count:
                break;
            case MeterAggregation.UniqueCount:
                if (!TryReadValue(data, out var raw, out error))
                {
                    return null;
                }

                distinct = raw.ValueKind switch
                {
                    JsonValueKind.String => raw.GetString(),
                    JsonValueKind.Number => raw.GetRawText(),
                    _ => null,
                };
                if (distinct is null)
                {
                    error = $"value property {_value} must be a string or a number, got {Describe(raw.ValueKind)}";
                    return null;
                }

                break;
            default:
                if (!TryReadValue(data, out var number, out error))
                {
                    return null;
                }

                if (!TryReadDecimal(number, out value))
                {
                    error = $"value property {_value} must be a number or a numeric string, got {Describe(number)}";
                    return null;
                }

                break;
        }

        return new MeterContribution(Meter.Number, subject, timeTicks, EncodeGroupKey(data), value, distinct);
    }

    private bool TryReadValue(JsonElement data, out JsonElement value, out string? error)
    {
        if (data.ValueKind != JsonValueKind.Object || !_value!.TryEvaluate(data, out value))
        {
            value = default;
            error = $"value property {_value} not found in data";
            return false;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            error = $"value property {_value} is null";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Numbers and numeric strings count, as in OpenMeter; the decimal is exact, never a double.</summary>
    internal static bool TryReadDecimal(JsonElement element, out decimal value)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (element.TryGetDecimal(out value))
                {
                    return true;
                }

                return decimal.TryParse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            case JsonValueKind.String:
                var text = element.GetString();
                return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
                    && text!.Length > 0 && !char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1]);
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>
    /// Encodes the event's group-by values as a JSON array in key order (<c>["gpt-4","request"]</c>); empty when
    /// the meter has no group-by. Missing values are null; non-string values keep their JSON text.
    /// </summary>
    internal string EncodeGroupKey(JsonElement data)
    {
        if (_groupPaths.Length == 0)
        {
            return string.Empty;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var path in _groupPaths)
            {
                if (data.ValueKind == JsonValueKind.Object && path.TryEvaluate(data, out var found))
                {
                    switch (found.ValueKind)
                    {
                        case JsonValueKind.String:
                            writer.WriteStringValue(found.GetString());
                            break;
                        case JsonValueKind.Null:
                            writer.WriteNullValue();
                            break;
                        default:
                            writer.WriteStringValue(found.GetRawText());
                            break;
                    }
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Decodes a stored group key back into values in key order.</summary>
    public static string?[] DecodeGroupKey(string groupKey, int count)
    {
        ArgumentNullException.ThrowIfNull(groupKey);
        var values = new string?[count];
        if (groupKey.Length == 0)
        {
            return values;
        }

        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(groupKey));
        reader.Read();
        for (var i = 0; i < count && reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            values[i] = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
        }

        return values;
    }

    private static string Describe(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? $"\"{element.GetString()}\""
        : Describe(element.ValueKind);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        _ => "null",
    };
}

/// <summary>What one event adds to one meter.</summary>
public readonly record struct MeterContribution(
    long MeterNumber,
    string Subject,
    long TimeTicks,
    string GroupKey,
    decimal Value,
    string? DistinctValue);
