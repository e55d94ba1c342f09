using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

public abstract class MeterQueryTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Rows as "windowStart|windowEnd|subject|k=v,...|value", in answer order.</summary>
    private static async Task<string[]> RowsAsync(TollgateServer server, string meter, string query)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{meter}/query{query}"));
        return [.. document.RootElement.GetProperty("data").EnumerateArray().Select(Row)];
    }

    private static string Row(JsonElement row) => string.Join('|',
        row.GetProperty("windowStart").GetString(),
        row.GetProperty("windowEnd").GetString(),
        row.GetProperty("subject").ValueKind == JsonValueKind.Null ? "-" : row.GetProperty("subject").GetString(),
        string.Join(',', row.GetProperty("groupBy").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString() ?? "null"}")),
        row.GetProperty("value").GetRawText());

    private async Task<TollgateServer> SeededAsync()
    {
        var server = await store.StartAsync();
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([
            Event("1", "acme", "2024-01-01T10:00:00Z", Tokens(10, "gpt-4", "input")),
            Event("2", "acme", "2024-01-01T10:00:30.5Z", """{"tokens":"2.5","model":"gpt-4","type":"output"}"""),
            Event("3", "acme", "2024-01-02T23:30:00Z", Tokens(100, "gpt-4o", "input")),
            Event("4", "beta", "2024-01-02T10:00:00Z", Tokens(7, "gpt-4", "input")),
            Event("5", "beta", "2024-02-01T00:00:00Z", Tokens(1000, "gpt-4", "input")),
            Event("6", "beta", "2024-01-01T10:00:00Z", """{"tokens":"lots","model":"gpt-4","type":"input"}"""),
        ]));
        return server;
    }

    [Fact]
    public async Task Totals_per_subject_and_group_over_a_range()
    {
        await using var server = await SeededAsync();
        Assert.Equal(
            [
                "2024-01-01T00:00:00Z|2024-02-01T00:00:00Z|acme|model=gpt-4,type=input|10",
                "2024-01-01T00:00:00Z|2024-02-01T00:00:00Z|acme|model=gpt-4,type=output|2.5",
                "2024-01-01T00:00:00Z|2024-02-01T00:00:00Z|acme|model=gpt-4o,type=input|100",
                "2024-01-01T00:00:00Z|2024-02-01T00:00:00Z|beta|model=gpt-4,type=input|7",
            ],
            await RowsAsync(server, "tokens_total", Query(("from", "2024-01-01T00:00:00Z"), ("to", "2024-02-01T00:00:00Z"), ("groupBy", "subject"), ("groupBy", "model"), ("groupBy", "type"))));
    }

    [Fact]
    public async Task Without_a_range_the_answer_spans_the_data()
    {
        await using var server = await SeededAsync();
        Assert.Equal(["2024-01-01T10:00:00Z|2024-02-01T00:01:00Z|-||1119.5"], await RowsAsync(server, "tokens_total", string.Empty));
    }

    [Fact]
    public async Task Daily_windows_in_utc_and_in_a_time_zone()
    {
        await using var server = await SeededAsync();
        var range = Query(("from", "2024-01-01T00:00:00Z"), ("to", "2024-01-03T00:00:00Z"), ("windowSize", "DAY"));
        Assert.Equal(
            ["2024-01-01T00:00:00Z|2024-01-02T00:00:00Z|-||12.5", "2024-01-02T00:00:00Z|2024-01-03T00:00:00Z|-||107"],
            await RowsAsync(server, "tokens_total", range));

        // In Tokyo (+09:00) the 23:30Z event of Jan 2 belongs to Jan 3, which starts at 2024-01-02T15:00Z.
        Assert.Equal(
            [
                "2023-12-31T15:00:00Z|2024-01-01T15:00:00Z|-||12.5",
                "2024-01-01T15:00:00Z|2024-01-02T15:00:00Z|-||7",
                "2024-01-02T15:00:00Z|2024-01-03T15:00:00Z|-||100",
            ],
            await RowsAsync(server, "tokens_total", range + "&windowTimeZone=Asia%2FTokyo"));
    }

    [Fact]
    public async Task Subject_filters_group_by_subject_and_group_filters_narrow_values()
    {
        await using var server = await SeededAsync();
        Assert.Equal(
            ["2024-01-01T00:00:00Z|2024-03-01T00:00:00Z|beta|model=gpt-4|1007"],
            await RowsAsync(server, "tokens_total", Query(("from", "2024-01-01T00:00:00Z"), ("to", "2024-03-01T00:00:00Z"), ("subject", "beta"), ("groupBy", "model"))));
        Assert.Equal(
            ["2024-01-01T00:00:00Z|2024-03-01T00:00:00Z|-|type=input|1017", "2024-01-01T00:00:00Z|2024-03-01T00:00:00Z|-|type=output|2.5"],
            await RowsAsync(server, "tokens_total", Query(("from", "2024-01-01T00:00:00Z"), ("to", "2024-03-01T00:00:00Z"), ("filterGroupBy[model]", "gpt-4"), ("groupBy", "type"))));
    }

    [Fact]
    public async Task Advanced_group_by_filters_in_get_and_post()
    {
        await using var server = await SeededAsync();
        Assert.Equal(
            ["2024-01-01T00:00:00Z|2024-03-01T00:00:00Z|-|model=gpt-4o|100"],
            await RowsAsync(server, "tokens_total", Query(("from", "2024-01-01T00:00:00Z"), ("to", "2024-03-01T00:00:00Z"), ("groupBy", "model"),
                ("advancedMeterGroupByFilters", """{"model":{"$like":"gpt-4_"}}"""))));

        using var response = await server.PostJsonAsync("/api/v1/meters/tokens_total/query", """
            {"from":"2024-01-01T00:00:00Z","to":"2024-03-01T00:00:00Z","groupBy":["type"],
             "advancedMeterGroupByFilters":{"model":{"$in":["gpt-4"]},"type":{"$ne":"output"}}}
            """);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(["2024-01-01T00:00:00Z|2024-03-01T00:00:00Z|-|type=input|1017"], document.RootElement.GetProperty("data").EnumerateArray().Select(Row));

        using var bad = await server.GetAsync("/api/v1/meters/tokens_total/query" + Query(("advancedMeterGroupByFilters", """{"model":{}}""")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync(Ct));
        Assert.Equal("advancedMeterGroupByFilters.model: needs one operator such as $eq or $in", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Sub_minute_edges_are_exact()
    {
        await using var server = await SeededAsync();
        Assert.Equal(
            ["2024-01-01T10:00:10Z|2024-01-01T10:00:40Z|acme||2.5"],
            await RowsAsync(server, "tokens_total", Query(("from", "2024-01-01T10:00:10Z"), ("to", "2024-01-01T10:00:40Z"), ("subject", "acme"))));
        Assert.Equal(
            ["2024-01-01T10:00:00Z|2024-01-01T10:00:30.5Z|acme||10"],
            await RowsAsync(server, "tokens_total", Query(("from", "2024-01-01T10:00:00Z"), ("to", "2024-01-01T10:00:30.5Z"), ("subject", "acme"))));
    }

    [Fact]
    public async Task Post_query_takes_the_same_parameters_as_a_body()
    {
        await using var server = await SeededAsync();
        using var response = await server.PostJsonAsync("/api/v1/meters/tokens_total/query", """
            {"from":"2024-01-01T00:00:00Z","to":"2024-03-01T00:00:00Z","windowSize":"MONTH","subject":["beta"],"filterGroupBy":{"type":["input"]}}
            """);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(
            ["2024-01-01T00:00:00Z|2024-02-01T00:00:00Z|beta||7", "2024-02-01T00:00:00Z|2024-03-01T00:00:00Z|beta||1000"],
            document.RootElement.GetProperty("data").EnumerateArray().Select(Row));
        Assert.Equal("MONTH", document.RootElement.GetProperty("windowSize").GetString());
        Assert.Equal("2024-01-01T00:00:00Z", document.RootElement.GetProperty("from").GetString());
    }

    [Fact]
    public async Task Csv_output_has_a_column_per_group_by_key()
    {
        await using var server = await SeededAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/meters/tokens_total/query" + Query(("from", "2024-01-01T00:00:00Z"), ("to", "2024-01-02T00:00:00Z"), ("groupBy", "subject"), ("groupBy", "type")));
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await server.Admin.SendAsync(request, Ct);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "window_start,window_end,subject,type,value\n" +
            "2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,acme,input,10\n" +
            "2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,acme,output,2.5\n",
            await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("?windowSize=WEEK", "windowSize: must be one of MINUTE, HOUR, DAY, MONTH, got \"WEEK\"")]
    [InlineData("?windowTimeZone=Mars%2FOlympus", "windowTimeZone: \"Mars/Olympus\" is not an IANA time zone name such as Europe/Berlin")]
    [InlineData("?from=yesterday", "from: must be an RFC 3339 date-time, got \"yesterday\"")]
    [InlineData("?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", "from: must not be after to")]
    [InlineData("?groupBy=region", "groupBy: \"region\" is not a group-by key of meter tokens_total; it has model, type")]
    [InlineData("?filterGroupBy[region]=eu", "filterGroupBy[region]: \"region\" is not a group-by key of meter tokens_total; it has model, type")]
    [InlineData("?windowSize=MINUTE&from=2000-01-01T00:00:00Z&to=2024-01-01T00:00:00Z", "windowSize: the query spans more than 100000 windows; use a larger windowSize or a shorter range")]
    public async Task Bad_query_parameters_are_400_problems(string query, string detail)
    {
        await using var server = await SeededAsync();
        using var response = await server.GetAsync("/api/v1/meters/tokens_total/query" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(detail, problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_meter_created_after_its_events_counts_them_and_regrouping_rebuilds()
    {
        await using var server = await store.StartAsync();
        await IngestAsync(server, Batch(Enumerable.Range(0, 250).Select(i => Event($"e{i}", i % 2 == 0 ? "acme" : "beta", "2024-01-01T10:00:00Z", Tokens(i, i % 3 == 0 ? "gpt-4" : "gpt-4o")))));
        await CreateMeterAsync(server, TokensMeter);
        await CreateMeterAsync(server, """{"slug":"calls","aggregation":"COUNT","eventType":"prompt","groupBy":{"model":"$.model"}}""");

        var expectedTotal = Enumerable.Range(0, 250).Sum();
        await WaitForAsync(async () => (await RowsAsync(server, "tokens_total", string.Empty)).SequenceEqual([$"2024-01-01T10:00:00Z|2024-01-01T10:01:00Z|-||{expectedTotal}"]));
        await WaitForAsync(async () => (await RowsAsync(server, "calls", "?groupBy=model")).SequenceEqual(
            ["2024-01-01T10:00:00Z|2024-01-01T10:01:00Z|-|model=gpt-4|84", "2024-01-01T10:00:00Z|2024-01-01T10:01:00Z|-|model=gpt-4o|166"]));

        using var update = new HttpRequestMessage(HttpMethod.Put, "/api/v1/meters/calls")
        {
            Content = new StringContent("""{"groupBy":{"model":"$.model","type":"$.type"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        (await server.Admin.SendAsync(update, Ct)).Dispose();
        await WaitForAsync(async () => (await RowsAsync(server, "calls", "?groupBy=type")).SequenceEqual(["2024-01-01T10:00:00Z|2024-01-01T10:01:00Z|-|type=input|250"]));
    }

    [Fact]
    public async Task Every_aggregation_over_the_same_events()
    {
        await using var server = await store.StartAsync();
        foreach (var (slug, aggregation) in new[] { ("s", "SUM"), ("a", "AVG"), ("mn", "MIN"), ("mx", "MAX"), ("l", "LATEST"), ("u", "UNIQUE_COUNT") })
        {
            var value = aggregation == "UNIQUE_COUNT" ? "$.user" : "$.v";
            await CreateMeterAsync(server, $$"""{"slug":"{{slug}}","aggregation":"{{aggregation}}","eventType":"m","valueProperty":"{{value}}"}""");
        }

        await CreateMeterAsync(server, """{"slug":"c","aggregation":"COUNT","eventType":"m"}""");
        await IngestAsync(server, Batch([
            Event("1", "acme", "2024-01-01T10:00:00Z", """{"v":3,"user":"ann"}""", type: "m"),
            Event("2", "acme", "2024-01-01T12:00:00Z", """{"v":"-1.5","user":"bob"}""", type: "m"),
            Event("3", "acme", "2024-01-01T11:00:00Z", """{"v":10,"user":"ann"}""", type: "m"),
            Event("4", "acme", "2024-01-03T09:00:00Z", """{"v":0.25,"user":"cy"}""", type: "m"),
        ]));

        async Task<string> Value(string slug, string query = "?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z")
        {
            using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{slug}/query{query}"));
            return document.RootElement.GetProperty("data")[0].GetProperty("value").GetRawText();
        }

        Assert.Equal("11.75", await Value("s"));
        Assert.Equal("2.9375", await Value("a"));
        Assert.Equal("-1.5", await Value("mn"));
        Assert.Equal("10", await Value("mx"));
        Assert.Equal("0.25", await Value("l"));
        Assert.Equal("4", await Value("c"));
        Assert.Equal("3", await Value("u"));
        Assert.Equal("2", await Value("u", "?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z"));
        Assert.Equal("-1.5", await Value("l", "?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z"));
    }

    [Fact]
    public async Task Subjects_and_group_by_values_of_a_meter()
    {
        await using var server = await SeededAsync();
        Assert.Equal("""["acme","beta"]""", await server.GetStringAsync("/api/v1/meters/tokens_total/subjects"));
        Assert.Equal("""["beta"]""", await server.GetStringAsync("/api/v1/meters/tokens_total/subjects?from=2024-01-15T00:00:00Z"));
        Assert.Equal("""["gpt-4","gpt-4o"]""", await server.GetStringAsync("/api/v1/meters/tokens_total/group-by/model/values"));
        Assert.Equal("""["input","output"]""", await server.GetStringAsync("/api/v1/meters/tokens_total/group-by/type/values"));
        using var unknown = await server.GetAsync("/api/v1/meters/tokens_total/group-by/region/values");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        Assert.True(await condition(), "the rollups did not catch up within 5 s");
    }
}

public sealed class MeterQueryTestsOnSqlite() : MeterQueryTests(TestStore.Sqlite);

public sealed class MeterQueryTestsOnPostgres() : MeterQueryTests(TestStore.Postgres);
