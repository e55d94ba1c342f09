using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Console.Catalog;

/// <summary>Preconditions of the catalog tests, set up through the admin API (not through other pages).</summary>
internal static class CatalogSteps
{
    public const string Meter = "kong_konnect_llm_tokens";

    public static async Task EnableAiGatewayTokensAsync(TollgateServer server)
    {
        using var response = await server.PostJsonAsync($"/api/v1/builtin-meters/{Meter}", "{}");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public static async Task CreateAsync(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path} answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>The seed's feature, as the console creates it.</summary>
    public static Task CreateAiTokenFeatureAsync(TollgateServer server) =>
        CreateAsync(server, "/api/v1/features", $$$"""{"key":"ai-token","name":"ai-token","meterSlug":"{{{Meter}}}","meterGroupByFilters":{"provider":"openai"}}""");

    public static async Task<JsonElement> GetAsync(TollgateServer server, string path)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync(path));
        return document.RootElement.Clone();
    }
}
