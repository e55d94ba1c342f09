using System.Text.Json;
using Tollgate.Metering.Api;
using Tollgate.Metering.Queries;

namespace Tollgate.Metering.Tests.Queries;

public sealed class StringFilterTests
{
    private static StringFilter Filter(string json) => JsonSerializer.Deserialize(json, MeteringJsonContext.Default.StringFilter)!;

    [Theory]
    [InlineData("""{"$eq":"gpt-4"}""", "gpt-4", true)]
    [InlineData("""{"$eq":"gpt-4"}""", "gpt-4o", false)]
    [InlineData("""{"$ne":"gpt-4"}""", null, true)]
    [InlineData("""{"$in":["a","b"]}""", "b", true)]
    [InlineData("""{"$nin":["a","b"]}""", "c", true)]
    [InlineData("""{"$like":"gpt-4%"}""", "gpt-4o-mini", true)]
    [InlineData("""{"$like":"gpt-4_"}""", "gpt-4", false)]
    [InlineData("""{"$like":"a.c"}""", "abc", false)]
    [InlineData("""{"$ilike":"GPT%"}""", "gpt-4", true)]
    [InlineData("""{"$nilike":"GPT%"}""", "claude", true)]
    [InlineData("""{"$gte":"b"}""", "b", true)]
    [InlineData("""{"$lt":"b"}""", "a", true)]
    [InlineData("""{"$and":[{"$like":"gpt%"},{"$ne":"gpt-4"}]}""", "gpt-4o", true)]
    [InlineData("""{"$or":[{"$eq":"x"},{"$eq":"y"}]}""", "z", false)]
    [InlineData("""{"$eq":"x"}""", null, false)]
    public void Matches_as_openmeter_filters_do(string json, string? value, bool expected) => Assert.Equal(expected, Filter(json).Matches(value));

    [Theory]
    [InlineData("{}", "needs one operator such as $eq or $in")]
    [InlineData("""{"$eq":"a","$ne":"b"}""", "takes exactly one operator per object; combine with $and or $or")]
    [InlineData("""{"$and":[{}]}""", "needs one operator such as $eq or $in")]
    public void Explains_unusable_filters(string json, string problem) => Assert.Equal(problem, Filter(json).Problem());
}
