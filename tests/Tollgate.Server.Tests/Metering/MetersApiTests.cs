using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

public abstract class MetersApiTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_get_list_update_and_delete_a_meter()
    {
        await using var server = await store.StartAsync();
        using var created = await server.PostJsonAsync("/api/v1/meters", """
            {"slug":"tokens_total","name":"Tokens","description":"AI tokens","aggregation":"SUM","eventType":"prompt",
             "valueProperty":"$.tokens","groupBy":{"type":"$.type","model":"$.model"},"metadata":{"team":"ai"}}
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var meter = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
        var id = meter.RootElement.GetProperty("id").GetString()!;
        Assert.Matches("^[0-7][0-9A-HJKMNP-TV-Z]{25}$", id);
        Assert.Equal($"/api/v1/meters/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("SUM", meter.RootElement.GetProperty("aggregation").GetString());
        Assert.Equal("""{"model":"$.model","type":"$.type"}""", meter.RootElement.GetProperty("groupBy").GetRawText());
        Assert.False(meter.RootElement.TryGetProperty("deletedAt", out _));

        using var byId = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{id}"));
        using var bySlug = JsonDocument.Parse(await server.GetStringAsync("/api/v1/meters/tokens_total"));
        Assert.Equal(byId.RootElement.GetRawText(), bySlug.RootElement.GetRawText());

        using var update = new HttpRequestMessage(HttpMethod.Put, "/api/v1/meters/tokens_total")
        {
            Content = new StringContent("""{"name":"LLM tokens","groupBy":{"model":"$.model"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var updated = await server.Admin.SendAsync(update, Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        using var changed = JsonDocument.Parse(await updated.Content.ReadAsStringAsync(Ct));
        Assert.Equal("LLM tokens", changed.RootElement.GetProperty("name").GetString());
        Assert.Equal("AI tokens", changed.RootElement.GetProperty("description").GetString());
        Assert.Equal("""{"model":"$.model"}""", changed.RootElement.GetProperty("groupBy").GetRawText());

        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/meters"));
        Assert.Equal("tokens_total", Assert.Single(list.RootElement.EnumerateArray()).GetProperty("slug").GetString());

        using var deleted = await server.Admin.DeleteAsync("/api/v1/meters/tokens_total", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await server.GetAsync($"/api/v1/meters/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("[]", await server.GetStringAsync("/api/v1/meters"));
        using var withDeleted = JsonDocument.Parse(await server.GetStringAsync("/api/v1/meters?includeDeleted=true"));
        Assert.True(Assert.Single(withDeleted.RootElement.EnumerateArray()).TryGetProperty("deletedAt", out _));

        // The slug is free again once the meter is deleted.
        await CreateMeterAsync(server, TokensMeter);
    }

    [Theory]
    [InlineData("""{"aggregation":"SUM","eventType":"p","valueProperty":"$.v"}""", "slug", "is required")]
    [InlineData("""{"slug":"Tokens-Total","aggregation":"SUM","eventType":"p","valueProperty":"$.v"}""", "slug", "must be 1 to 64 lowercase letters, digits and single underscores between them, such as tokens_total")]
    [InlineData("""{"slug":"t","eventType":"p","valueProperty":"$.v"}""", "aggregation", "is required: one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST")]
    [InlineData("""{"slug":"t","aggregation":"SUM","valueProperty":"$.v"}""", "eventType", "is required")]
    [InlineData("""{"slug":"t","aggregation":"SUM","eventType":"p"}""", "valueProperty", "is required for SUM meters")]
    [InlineData("""{"slug":"t","aggregation":"UNIQUE_COUNT","eventType":"p"}""", "valueProperty", "is required for UNIQUE_COUNT meters")]
    [InlineData("""{"slug":"t","aggregation":"COUNT","eventType":"p","valueProperty":"$.v"}""", "valueProperty", "must be absent for COUNT meters")]
    [InlineData("""{"slug":"t","aggregation":"SUM","eventType":"p","valueProperty":"v"}""", "valueProperty", "must start with $")]
    [InlineData("""{"slug":"t","aggregation":"SUM","eventType":"p","valueProperty":"$.v","groupBy":{"m-x":"$.m"}}""", "groupBy.m-x", "keys must consist of letters, digits and underscores")]
    [InlineData("""{"slug":"t","aggregation":"SUM","eventType":"p","valueProperty":"$.v","groupBy":{"m":"$.items[*]"}}""", "groupBy.m", "supports only names and array indexes inside [] (position 8); wildcards, slices and filters select many values")]
    [InlineData("""{"slug":"t","aggregation":"MEDIAN","eventType":"p","valueProperty":"$.v"}""", "aggregation", "must be one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST")]
    public async Task Invalid_meters_are_refused_with_the_field_named(string json, string field, string message)
    {
        await using var server = await store.StartAsync();
        using var response = await server.PostJsonAsync("/api/v1/meters", json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal($"{field}: {message}", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal("[]", await server.GetStringAsync("/api/v1/meters"));
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_a_400_naming_it()
    {
        await using var server = await store.StartAsync();
        using var response = await server.PostJsonAsync("/api/v1/meters", """{"slug": "t", "groupBy": ["x"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("groupBy: has the wrong type or format", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_second_meter_with_a_live_slug_is_a_409()
    {
        await using var server = await store.StartAsync();
        await CreateMeterAsync(server, TokensMeter);
        using var response = await server.PostJsonAsync("/api/v1/meters", TokensMeter);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("a meter with slug \"tokens_total\" already exists", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_meters_are_404_problems()
    {
        await using var server = await store.StartAsync();
        foreach (var path in new[] { "/api/v1/meters/nope", "/api/v1/meters/nope/query", "/api/v1/meters/nope/subjects", "/api/v1/meters/nope/group-by/model/values" })
        {
            using var response = await server.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Meters_and_events_survive_a_restart()
    {
        var first = await store.StartAsync(TollgateServer.NewDataDirectory());
        await CreateMeterAsync(first, TokensMeter);
        await IngestAsync(first, Batch([Event("a", "acme", "2024-01-01T10:00:00Z", Tokens(40)), Event("b", "acme", "2024-01-01T10:05:00Z", Tokens(2))]));
        await using var second = await first.RestartAsync();
        using var meter = JsonDocument.Parse(await second.GetStringAsync("/api/v1/meters/tokens_total"));
        Assert.Equal("Tokens", meter.RootElement.GetProperty("name").GetString());
        using var result = JsonDocument.Parse(await second.GetStringAsync("/api/v1/meters/tokens_total/query"));
        Assert.Equal(42m, Assert.Single(result.RootElement.GetProperty("data").EnumerateArray()).GetProperty("value").GetDecimal());
        using var events = JsonDocument.Parse(await second.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z"));
        Assert.Equal(2, events.RootElement.GetArrayLength());
    }
}

public sealed class MetersApiTestsOnSqlite() : MetersApiTests(TestStore.Sqlite);

public sealed class MetersApiTestsOnPostgres() : MetersApiTests(TestStore.Postgres);
