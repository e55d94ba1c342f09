using System.Text.Json;
using System.Text.Json.Serialization;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary><see cref="NumericConverter"/> for optional amounts (a null is left out or read as absent by the serializer).</summary>
public sealed class NullableNumericConverter : JsonConverter<decimal?>
{
    private static readonly NumericConverter Inner = new();

    public override decimal? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Inner.Read(ref reader, typeof(decimal), options);

    public override void Write(Utf8JsonWriter writer, decimal? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } amount)
        {
            Inner.Write(writer, amount, options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
