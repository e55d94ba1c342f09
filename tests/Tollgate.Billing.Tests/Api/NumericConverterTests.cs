using System.Text.Json;
using Tollgate.Billing.Api;

namespace Tollgate.Billing.Tests.Api;

public sealed class NumericConverterTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new NumericConverter() } };

    [Theory]
    [InlineData("\"0.00002\"", "0.00002")]
    [InlineData("0.00002", "0.00002")]
    [InlineData("\"1.500\"", "1.5")]
    [InlineData("\"100\"", "100")]
    [InlineData("\"-3.25\"", "-3.25")]
    [InlineData("\"1e-5\"", "0.00001")]
    [InlineData("\"79228162514264337593543950335\"", "79228162514264337593543950335")]
    public void Reads_strings_and_numbers_exactly_and_writes_them_as_strings_without_trailing_zeros(string json, string written)
    {
        var value = JsonSerializer.Deserialize<decimal>(json, Options);
        Assert.Equal($"\"{written}\"", JsonSerializer.Serialize(value, Options));
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("\"1,5\"")]
    [InlineData("true")]
    public void Refuses_what_is_not_a_decimal(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<decimal>(json, Options));
}

public sealed class UtcTimeConverterTests
{
    [Theory]
    [InlineData("2024-01-01T01:01:01.001+00:00", "2024-01-01T01:01:01.001Z")]
    [InlineData("2024-01-01T03:01:01+02:00", "2024-01-01T01:01:01Z")]
    [InlineData("2024-01-01T01:01:01.120Z", "2024-01-01T01:01:01.12Z")]
    public void Writes_utc_with_a_z_and_no_trailing_zeros(string time, string written) =>
        Assert.Equal(written, UtcTimeConverter.Format(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture)));
}
