using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing;

public abstract class FeaturesApiTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_get_list_and_archive_a_metered_feature()
    {
        await using var server = await store.StartAsync();
        using var enabled = await server.PostJsonAsync("/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        Assert.Equal(HttpStatusCode.Created, enabled.StatusCode);

        using var created = await server.PostJsonAsync("/api/v1/features", """
            {"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens","meterGroupByFilters":{"provider":"openai"},"metadata":{"team":"ai"}}
            """);
        var body = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        using var feature = JsonDocument.Parse(body);
        var id = feature.RootElement.GetProperty("id").GetString()!;
        Assert.Matches("^[0-7][0-9A-HJKMNP-TV-Z]{25}$", id);
        Assert.Equal($"/api/v1/features/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("ai_token", feature.RootElement.GetProperty("key").GetString());
        Assert.Equal("""{"provider":"openai"}""", feature.RootElement.GetProperty("meterGroupByFilters").GetRawText());
        Assert.False(feature.RootElement.TryGetProperty("archivedAt", out _));

        using var byId = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/features/{id}"));
        using var byKey = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features/ai_token"));
        Assert.Equal(byId.RootElement.GetRawText(), byKey.RootElement.GetRawText());

        using var clash = await server.PostJsonAsync("/api/v1/features", """{"key":"ai_token","name":"again"}""");
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        Assert.Equal("application/problem+json", clash.Content.Headers.ContentType?.MediaType);

        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features"));
        Assert.Equal(id, Assert.Single(list.RootElement.EnumerateArray()).GetProperty("id").GetString());
        using var page = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features?page=1&pageSize=10"));
        Assert.Equal(1, page.RootElement.GetProperty("totalCount").GetInt32());
        Assert.Equal(10, page.RootElement.GetProperty("pageSize").GetInt32());

        using var archived = await server.Admin.DeleteAsync($"/api/v1/features/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, archived.StatusCode);
        using var afterArchive = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features"));
        Assert.Empty(afterArchive.RootElement.EnumerateArray());
        using var withArchived = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features?includeArchived=true"));
        Assert.True(Assert.Single(withArchived.RootElement.EnumerateArray()).TryGetProperty("archivedAt", out _));

        // The key is free again once the old feature is archived.
        using var reused = await server.PostJsonAsync("/api/v1/features", """{"key":"ai_token","name":"static"}""");
        Assert.Equal(HttpStatusCode.Created, reused.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"x"}""", "key")]
    [InlineData("""{"key":"Bad-Key","name":"x"}""", "key")]
    [InlineData("""{"key":"ok"}""", "name")]
    [InlineData("""{"key":"ok","name":"x","meterSlug":"nope"}""", "meterSlug")]
    [InlineData("""{"key":"ok","name":"x","meterSlug":"kong_konnect_llm_tokens","meterGroupByFilters":{"colour":"red"}}""", "meterGroupByFilters.colour")]
    [InlineData("""{"key":"ok","name":"x","meterGroupByFilters":{"provider":"openai"}}""", "meterGroupByFilters")]
    [InlineData("""{"key":"ok","name":5}""", "name")]
    public async Task Invalid_features_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        await using var server = await store.StartAsync();
        using var enabled = await server.PostJsonAsync("/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        using var response = await server.PostJsonAsync("/api/v1/features", json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features?includeArchived=true"));
        Assert.Empty(list.RootElement.EnumerateArray());
    }

    [Fact]
    public async Task Features_survive_a_restart()
    {
        var server = await store.StartAsync();
        try
        {
            using var created = await server.PostJsonAsync("/api/v1/features", """{"key":"support","name":"Support"}""");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var restarted = await server.RestartAsync();
            server = restarted;
            using var feature = JsonDocument.Parse(await server.GetStringAsync("/api/v1/features/support"));
            Assert.Equal("Support", feature.RootElement.GetProperty("name").GetString());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}

public sealed class FeaturesApiTestsOnSqlite() : FeaturesApiTests(TestStore.Sqlite);

public sealed class FeaturesApiTestsOnPostgres() : FeaturesApiTests(TestStore.Postgres);
