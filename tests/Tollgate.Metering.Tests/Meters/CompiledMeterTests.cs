using System.Text.Json;
using Tollgate.Metering.Meters;

namespace Tollgate.Metering.Tests.Meters;

public sealed class CompiledMeterTests
{
    private static CompiledMeter Meter(MeterAggregation aggregation, string? valueProperty = "$.tokens", DateTimeOffset? eventFrom = null) => new(new Meter
    {
        Number = 7,
        Id = "01J00000000000000000000000",
        Slug = "tokens",
        Name = "Tokens",
        Aggregation = aggregation,
        EventType = "prompt",
        ValueProperty = aggregation == MeterAggregation.Count ? null : valueProperty,
        GroupBy = [new("model", "$.model"), new("type", "$.type")],
        EventFrom = eventFrom,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    });

    private static JsonElement Data(string json) => JsonDocument.Parse(json).RootElement;

    [Theory]
    [InlineData("""{"tokens": 12}""", "12")]
    [InlineData("""{"tokens": "0.00002"}""", "0.00002")]
    [InlineData("""{"tokens": 1e3}""", "1000")]
    [InlineData("""{"tokens": "-4.50"}""", "-4.50")]
    [InlineData("""{"tokens": 79228162514264337593543950335}""", "79228162514264337593543950335")]
    public void Reads_numbers_and_numeric_strings_exactly(string json, string expected)
    {
        var contribution = Meter(MeterAggregation.Sum).Extract("acme", 0, Data(json), out var error);
        Assert.Null(error);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), contribution!.Value.Value);
        Assert.Equal(expected, contribution.Value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("""{"other": 1}""", "value property $.tokens not found in data")]
    [InlineData("""{"tokens": null}""", "value property $.tokens is null")]
    [InlineData("""{"tokens": "twelve"}""", "value property $.tokens must be a number or a numeric string, got \"twelve\"")]
    [InlineData("""{"tokens": " 12"}""", "value property $.tokens must be a number or a numeric string, got \" 12\"")]
    [InlineData("""{"tokens": true}""", "value property $.tokens must be a number or a numeric string, got a boolean")]
    [InlineData("""{"tokens": 1e40}""", "value property $.tokens must be a number or a numeric string, got a number")]
    public void Says_why_an_event_cannot_be_counted(string json, string expected)
    {
        Assert.Null(Meter(MeterAggregation.Sum).Extract("acme", 0, Data(json), out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Count_needs_no_value_and_encodes_group_values_in_key_order()
    {
        var contribution = Meter(MeterAggregation.Count).Extract("acme", 5, Data("""{"type":"input","model":"gpt-4","n":1}"""), out var error);
        Assert.Null(error);
        Assert.Equal(new MeterContribution(7, "acme", 5, """["gpt-4","input"]""", 0m, null), contribution);
    }

    [Fact]
    public void Missing_group_values_are_null_and_non_strings_keep_their_json_text()
    {
        var meter = Meter(MeterAggregation.Count);
        Assert.Equal("""[null,null]""", meter.Extract("a", 0, default, out _)!.Value.GroupKey);
        Assert.Equal("""["4",null]""", meter.Extract("a", 0, Data("""{"model":4}"""), out _)!.Value.GroupKey);
        Assert.Equal(["4", null], CompiledMeter.DecodeGroupKey("""["4",null]""", 2));
        Assert.Equal([null, null], CompiledMeter.DecodeGroupKey(string.Empty, 2));
    }

    [Fact]
    public void Unique_count_takes_strings_and_numbers_as_distinct_values()
    {
        var meter = Meter(MeterAggregation.UniqueCount, "$.user");
        Assert.Equal("u1", meter.Extract("a", 0, Data("""{"user":"u1"}"""), out _)!.Value.DistinctValue);
        Assert.Equal("42", meter.Extract("a", 0, Data("""{"user":42}"""), out _)!.Value.DistinctValue);
        Assert.Null(meter.Extract("a", 0, Data("""{"user":{"id":1}}"""), out var error));
        Assert.Equal("value property $.user must be a string or a number, got an object", error);
    }

    [Fact]
    public void Events_before_event_from_are_skipped_without_error()
    {
        var from = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var meter = Meter(MeterAggregation.Sum, eventFrom: from);
        Assert.Null(meter.Extract("a", from.UtcTicks - 1, Data("""{"tokens":1}"""), out var error));
        Assert.Null(error);
        Assert.NotNull(meter.Extract("a", from.UtcTicks, Data("""{"tokens":1}"""), out _));
    }
}
