using System.Globalization;
using System.Text;

namespace Tollgate.Server.Tests.Infrastructure;

/// <summary>Builds CloudEvent JSON for tests.</summary>
public static class Events
{
    public static string Event(string id, string subject, string time, string data, string type = "prompt", string source = "test") =>
        $$"""{"specversion":"1.0","id":"{{id}}","source":"{{source}}","type":"{{type}}","subject":"{{subject}}","time":"{{time}}","data":{{data}}}""";

    public static string Batch(IEnumerable<string> events) => "[" + string.Join(",", events) + "]";

    public static string Tokens(int tokens, string model = "gpt-4", string type = "input") =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"tokens":{{tokens}},"model":"{{model}}","type":"{{type}}"}""");

    public const string TokensMeter = """
        {"slug":"tokens_total","name":"Tokens","aggregation":"SUM","eventType":"prompt","valueProperty":"$.tokens",
         "groupBy":{"model":"$.model","type":"$.type"}}
        """;

    public static async Task IngestAsync(TollgateServer server, string batchJson)
    {
        using var response = await server.PostJsonAsync("/api/v1/events", batchJson, "application/cloudevents-batch+json");
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.NoContent, $"ingest answered {(int)response.StatusCode}: {body}");
    }

    public static async Task CreateMeterAsync(TollgateServer server, string json)
    {
        using var response = await server.PostJsonAsync("/api/v1/meters", json);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"meter create answered {(int)response.StatusCode}: {body}");
    }

    public static string Escape(string value) => Uri.EscapeDataString(value);

    public static string Query(params (string Key, string Value)[] parameters)
    {
        var query = new StringBuilder();
        foreach (var (key, value) in parameters)
        {
            query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return query.ToString();
    }
}
