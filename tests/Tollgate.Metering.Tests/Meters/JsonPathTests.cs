using System.Text.Json;
using Tollgate.Metering.Meters;

namespace Tollgate.Metering.Tests.Meters;

public sealed class JsonPathTests
{
    private static readonly JsonElement Data = JsonDocument.Parse("""
        {"tokens": 12, "usage": {"input": 3, "out.put": 4}, "items": [{"n": 1}, {"n": 2}], "weird key": "x"}
        """).RootElement;

    [Theory]
    [InlineData("$.tokens", "12")]
    [InlineData("$.usage.input", "3")]
    [InlineData("$['usage']['out.put']", "4")]
    [InlineData("$[\"weird key\"]", "\"x\"")]
    [InlineData("$.items[1].n", "2")]
    [InlineData("$.items[0]", "{\"n\": 1}")]
    public void Evaluates_names_quoted_names_and_indexes(string expression, string expected)
    {
        Assert.True(JsonPath.TryParse(expression, out var path, out var error), error);
        Assert.True(path!.TryEvaluate(Data, out var value));
        Assert.Equal(expected, value.GetRawText());
    }

    [Theory]
    [InlineData("$.missing")]
    [InlineData("$.tokens.deeper")]
    [InlineData("$.items[5]")]
    [InlineData("$.usage[0]")]
    public void Reports_missing_values(string expression)
    {
        Assert.True(JsonPath.TryParse(expression, out var path, out _));
        Assert.False(path!.TryEvaluate(Data, out _));
    }

    [Theory]
    [InlineData("", "must be a JSONPath expression such as $.tokens")]
    [InlineData("tokens", "must start with $")]
    [InlineData("$.*", "has an empty or wildcard name at position 2")]
    [InlineData("$..tokens", "has an empty or wildcard name at position 2")]
    [InlineData("$.items[*]", "supports only names and array indexes inside [] (position 8); wildcards, slices and filters select many values")]
    [InlineData("$.items[?(@.n>1)]", "supports only names and array indexes inside [] (position 8); wildcards, slices and filters select many values")]
    [InlineData("$['open", "has an unterminated quoted name")]
    public void Refuses_what_a_meter_cannot_use(string expression, string expected)
    {
        Assert.False(JsonPath.TryParse(expression, out _, out var error));
        Assert.Equal(expected, error);
    }
}
