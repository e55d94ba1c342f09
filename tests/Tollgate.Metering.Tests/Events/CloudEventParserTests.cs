using System.Text.Json;
using Tollgate.Metering.Events;

namespace Tollgate.Metering.Tests.Events;

public sealed class CloudEventParserTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static (List<ParsedEvent> Events, EventValidationError? Error) Parse(string json, bool? batch = null)
    {
        var events = new List<ParsedEvent>();
        var error = CloudEventParser.Parse(JsonDocument.Parse(json).RootElement, batch, Now, events);
        return (events, error);
    }

    [Fact]
    public void Accepts_a_full_event_and_minifies_its_data()
    {
        var (events, error) = Parse("""
            {"specversion":"1.0","id":"e1","source":"gw","type":"prompt","subject":"acme",
             "time":"2024-01-01T01:02:03.5+02:00","datacontenttype":"application/json","dataschema":"https://x/s",
             "data":{ "tokens" : 5, "model": "gpt-4" }}
            """);
        Assert.Null(error);
        var record = Assert.Single(events).Record;
        Assert.Equal(new EventRecord("e1", "gw", "prompt", "acme", new DateTimeOffset(2023, 12, 31, 23, 2, 3, 500, TimeSpan.Zero).UtcTicks, """{"tokens":5,"model":"gpt-4"}""", "https://x/s"), record);
    }

    [Fact]
    public void A_missing_time_is_the_time_of_ingest_and_missing_data_is_null()
    {
        var (events, error) = Parse("""{"specversion":"1.0","id":"e1","source":"gw","type":"t","subject":"s"}""");
        Assert.Null(error);
        Assert.Equal(Now.UtcTicks, events[0].Record.TimeTicks);
        Assert.Null(events[0].Record.Data);
    }

    [Theory]
    [InlineData("""{"id":"1","source":"s","type":"t"}""", "subject", "is required")]
    [InlineData("""{"id":"","source":"s","type":"t","subject":"x"}""", "id", "must not be empty")]
    [InlineData("""{"id":1,"source":"s","type":"t","subject":"x"}""", "id", "must be a string")]
    [InlineData("""{"specversion":"0.3","id":"1","source":"s","type":"t","subject":"x"}""", "specversion", "must be \"1.0\", got \"0.3\"")]
    [InlineData("""{"id":"1","source":"s","type":"t","subject":"x","time":"2024-01-01"}""", "time", "must be an RFC 3339 date-time such as 2024-01-01T12:00:00Z, got \"2024-01-01\"")]
    [InlineData("""{"id":"1","source":"s","type":"t","subject":"x","time":"2024-01-01T10:00:00"}""", "time", "must be an RFC 3339 date-time such as 2024-01-01T12:00:00Z, got \"2024-01-01T10:00:00\"")]
    [InlineData("""{"id":"1","source":"s","type":"t","subject":"x","data":[1]}""", "data", "must be a JSON object")]
    [InlineData("""{"id":"1","source":"s","type":"t","subject":"x","datacontenttype":"text/plain"}""", "datacontenttype", "must be \"application/json\", got \"text/plain\"")]
    public void Names_the_field_that_is_wrong(string json, string field, string message)
    {
        var (_, error) = Parse(json);
        Assert.Equal(new EventValidationError(field, message), error);
    }

    [Fact]
    public void One_bad_event_refuses_the_whole_batch_and_names_its_index()
    {
        var (_, error) = Parse("""
            [{"id":"1","source":"s","type":"t","subject":"x"},
             {"id":"2","source":"s","type":"t","subject":"x","time":"yesterday"}]
            """, batch: true);
        Assert.Equal(new EventValidationError("[1].time", "must be an RFC 3339 date-time such as 2024-01-01T12:00:00Z, got \"yesterday\""), error);
    }

    [Fact]
    public void Batch_and_single_content_types_must_match_the_body()
    {
        Assert.Equal("$", Parse("""[{"id":"1","source":"s","type":"t","subject":"x"}]""", batch: false).Error?.Field);
        Assert.Equal("$", Parse("""{"id":"1","source":"s","type":"t","subject":"x"}""", batch: true).Error?.Field);
        Assert.Equal(new EventValidationError("$", "the batch is empty"), Parse("[]").Error);
        Assert.Equal(new EventValidationError("$", "must be a CloudEvent object or an array of them"), Parse("42").Error);
    }

    [Theory]
    [InlineData("2024-03-10T07:30:00Z", "2024-03-10T07:30:00.0000000+00:00")]
    [InlineData("2024-03-10t07:30:00z", "2024-03-10T07:30:00.0000000+00:00")]
    [InlineData("2024-03-10T07:30:00.123456789Z", "2024-03-10T07:30:00.1234567+00:00")]
    [InlineData("2024-03-10T02:30:00-05:00", "2024-03-10T07:30:00.0000000+00:00")]
    public void Parses_rfc3339_to_utc(string text, string expected)
    {
        Assert.True(CloudEventParser.TryParseRfc3339(text, out var value));
        Assert.Equal(expected, value.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }
}
