using System.Globalization;
using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Console.Billing;

/// <summary>
/// What the billing pages need before a person gets to them, made through the admin APIs (not other pages): the
/// seed's consumer kong-air, the AI Gateway Tokens meter, the ai-token feature (provider openai) and the published
/// plan Token at $0.00002 per token with a boolean entitlement; customers and subscriptions when a test does not
/// create them on screen; LLM usage events.
/// </summary>
internal static class BillingSetup
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task CatalogAsync(TollgateServer server)
    {
        await SendAsync(server, "/consumers", """{"username":"kong-air"}""");
        await SendAsync(server, "/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        await SendAsync(server, "/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens","meterGroupByFilters":{"provider":"openai"}}""");
        var plan = await SendAsync(server, "/api/v1/plans", """
            {"key":"token","name":"Token","currency":"USD","billingCadence":"P1M",
             "phases":[{"key":"default","name":"Default","rateCards":[{"type":"usage_based","key":"ai_token","name":"ai-token",
               "featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"0.00002"},
               "entitlementTemplate":{"type":"boolean"}}]}]}
            """);
        await SendAsync(server, $"/api/v1/plans/{plan.GetProperty("id").GetString()}/publish", "{}");
    }

    /// <summary>The customer Kong Air (key kong_air) including kong-air's usage; returns its id.</summary>
    public static async Task<string> KongAirAsync(TollgateServer server, bool subscribe)
    {
        var customer = await SendAsync(server, "/api/v1/customers", """{"name":"Kong Air","key":"kong_air","currency":"USD","usageAttribution":{"subjectKeys":["kong-air"]}}""");
        if (subscribe)
        {
            await SendAsync(server, "/api/v1/subscriptions", """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"immediate"}""");
        }

        return customer.GetProperty("id").GetString()!;
    }

    /// <summary>LLM calls of consumer kong-air through OpenAI made just now, one event per token count (after the subscription started).</summary>
    public static async Task UseTokensAsync(TollgateServer server, params int[] tokens)
    {
        var now = DateTimeOffset.UtcNow;
        var events = tokens.Select(count => Events.Event(
            Ulid.NewUlid().ToString(),
            "kong-air",
            now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            string.Create(CultureInfo.InvariantCulture, $$"""{"tokens":{{count}},"provider":"openai","model":"gpt-4","type":"request"}"""),
            type: "kong.llm_request",
            source: "kong-gateway"));
        await Events.IngestAsync(server, Events.Batch(events));
    }

    /// <summary>The customer's gathering invoice as the invoices API previews it (lines expanded).</summary>
    public static async Task<JsonElement> PreviewAsync(TollgateServer server, string customerId)
    {
        using var page = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/billing/invoices?customers={customerId}&expand=lines"));
        return page.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("status").GetString() == "gathering").Clone();
    }

    /// <summary>Waits until the API's preview bills <paramref name="tokens"/> on its ai-token line (ingestion is asynchronous); returns that line.</summary>
    public static async Task<JsonElement> WaitForUsageAsync(TollgateServer server, string customerId, decimal tokens)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var preview = await PreviewAsync(server, customerId);
            var line = preview.GetProperty("lines").EnumerateArray().SingleOrDefault(l => l.GetProperty("name").GetString() == "ai-token");
            if (line.ValueKind == JsonValueKind.Object && Decimal(line.GetProperty("quantity")) == tokens)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the preview never billed {tokens} tokens: {preview}");
            await Task.Delay(200, Ct);
        }
    }

    public static async Task<JsonElement> GetAsync(TollgateServer server, string path)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync(path));
        return document.RootElement.Clone();
    }

    public static decimal Decimal(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? decimal.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDecimal();

    public static async Task<JsonElement> SendAsync(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"POST {path} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
