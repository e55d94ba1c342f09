using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tollgate.Billing.Api;

/// <summary>
/// Times as OpenMeter writes them: RFC 3339 in UTC with a <c>Z</c> and no trailing zeros in the fraction
/// (<c>2024-01-01T01:01:01.001Z</c>), whatever offset the value carries. Reads any RFC 3339 time.
/// </summary>
public sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}

/// <summary><see cref="UtcTimeConverter"/> for optional times (source generation does not lift a converter to nullable).</summary>
public sealed class NullableUtcTimeConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } time)
        {
            writer.WriteStringValue(UtcTimeConverter.Format(time));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
