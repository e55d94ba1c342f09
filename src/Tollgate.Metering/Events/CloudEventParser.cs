using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tollgate.Metering.Events;

/// <summary>An event that passed validation, with its data still parsed for meter extraction.</summary>
public readonly record struct ParsedEvent(EventRecord Record, JsonElement Data);

/// <summary>Why a request's events were refused: the JSON field and what is wrong with it.</summary>
public sealed record EventValidationError(string Field, string Message);

/// <summary>
/// Validates CloudEvents 1.0 in JSON (single or batch) as OpenMeter accepts them. One bad event refuses the
/// whole request, so a batch is stored entirely or not at all.
/// </summary>
public static partial class CloudEventParser
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _minifyBuffer;

    /// <summary>Parses the request body's root; <paramref name="batch"/> says whether an array is expected, null allows either.</summary>
    public static EventValidationError? Parse(JsonElement root, bool? batch, DateTimeOffset now, List<ParsedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (batch == false)
            {
                return new("$", "must be a single CloudEvent object for application/cloudevents+json; send batches as application/cloudevents-batch+json");
            }

            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                var error = ParseOne(element, $"[{index.ToString(CultureInfo.InvariantCulture)}]", now, events);
                if (error is not null)
                {
                    return error;
                }

                index++;
            }

            return index == 0 ? new("$", "the batch is empty") : null;
        }

        if (root.ValueKind == JsonValueKind.Object)
        {
            return batch == true
                ? new("$", "must be an array of CloudEvents for application/cloudevents-batch+json")
                : ParseOne(root, string.Empty, now, events);
        }

        return new("$", "must be a CloudEvent object or an array of them");
    }

    private static EventValidationError? ParseOne(JsonElement element, string at, DateTimeOffset now, List<ParsedEvent> events)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return new(Field(at, string.Empty), "must be a CloudEvent object");
        }

        if (!TryString(element, "specversion", at, out var specVersion, out var error, required: false))
        {
            return error;
        }

        if (specVersion is not null and not "1.0")
        {
            return new(Field(at, "specversion"), $"must be \"1.0\", got \"{specVersion}\"");
        }

        if (!TryString(element, "id", at, out var id, out error)
            || !TryString(element, "source", at, out var source, out error)
            || !TryString(element, "type", at, out var type, out error)
            || !TryString(element, "subject", at, out var subject, out error)
            || !TryString(element, "time", at, out var timeText, out error, required: false)
            || !TryString(element, "datacontenttype", at, out var contentType, out error, required: false)
            || !TryString(element, "dataschema", at, out var dataSchema, out error, required: false))
        {
            return error;
        }

        var time = now;
        if (timeText is not null && !TryParseRfc3339(timeText, out time))
        {
            return new(Field(at, "time"), $"must be an RFC 3339 date-time such as 2024-01-01T12:00:00Z, got \"{timeText}\"");
        }

        if (contentType is not null and not "application/json")
        {
            return new(Field(at, "datacontenttype"), $"must be \"application/json\", got \"{contentType}\"");
        }

        string? data = null;
        var dataElement = default(JsonElement);
        if (element.TryGetProperty("data", out var dataProperty) && dataProperty.ValueKind != JsonValueKind.Null)
        {
            if (dataProperty.ValueKind != JsonValueKind.Object)
            {
                return new(Field(at, "data"), "must be a JSON object");
            }

            dataElement = dataProperty;
            data = Minify(dataProperty);
        }

        events.Add(new ParsedEvent(new EventRecord(id!, source!, type!, subject!, time.UtcTicks, data, dataSchema), dataElement));
        return null;
    }

    private static bool TryString(JsonElement element, string name, string at, out string? value, out EventValidationError? error, bool required = true)
    {
        value = null;
        error = null;
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = new(Field(at, name), "is required");
                return false;
            }

            return true;
        }

        if (property.ValueKind != JsonValueKind.String)
        {
            error = new(Field(at, name), "must be a string");
            return false;
        }

        value = property.GetString();
        if (value!.Length == 0)
        {
            error = new(Field(at, name), "must not be empty");
            return false;
        }

        return true;
    }

    /// <summary>RFC 3339: a full date, a full time with optional fraction, and Z or a numeric offset.</summary>
    public static bool TryParseRfc3339(string text, out DateTimeOffset value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            return false;
        }

        // .NET keeps 7 fractional digits (100 ns); finer digits are truncated rather than rejected.
        var fraction = match.Groups["fraction"].Value;
        var normalized = string.Concat(match.Groups["main"].Value,
            fraction.Length > 8 ? fraction[..8] : fraction,
            match.Groups["zone"].Value.ToUpperInvariant());
        return DateTimeOffset.TryParse(normalized.Replace('t', 'T').Replace(' ', 'T'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static string Minify(JsonElement data)
    {
        var buffer = _minifyBuffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            data.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Field(string at, string name) => name.Length == 0 ? (at.Length == 0 ? "$" : at) : at + (at.Length == 0 ? name : "." + name);

    [GeneratedRegex(@"^(?<main>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?<fraction>\.\d+)?(?<zone>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
