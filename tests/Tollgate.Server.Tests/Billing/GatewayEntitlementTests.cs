using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Server.Tests.Gateway;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;

namespace Tollgate.Server.Tests.Billing;

/// <summary>
/// The entitlement plugin, enforced in real time by the gateway from billing: the seed's gateway, a customer that
/// includes usage from consumer kong-air, and the customer's entitlement to feature ai_token.
/// </summary>
public abstract class GatewayEntitlementTests(TestStore store)
{
    /// <summary>FakeLlm counts 3 + 1 prompt tokens and answers 7: 11 per call.</summary>
    private const string Call = """{"model":"gpt-4","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

    private const int UsedPerCall = 11;

    /// <summary>Tollgate's worst case for <see cref="Call"/>: OpenAI's prompt rule (3 + "user" + "hi" + 3 priming = 8) plus max_tokens 10.</summary>
    private const int WorstCasePerCall = 18;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_a_consumer_whose_customer_is_entitled_gets_through()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SetUpAsync(server, llm);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        var (status, body) = await ChatAsync(proxy);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("permission_error", JsonNode.Parse(body)!["error"]!["type"]!.GetValue<string>());
        Assert.Contains("consumer 'kong-air' belongs to no customer", body, StringComparison.Ordinal);

        await CreateAsync(server, "/api/v1/customers", """{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}""");
        (status, body) = await ChatAsync(proxy);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("customer 'Kong Air' has no access to feature 'ai_token'", body, StringComparison.Ordinal);

        await CreateAsync(server, "/api/v2/customers/kong_air/entitlements", """{"type":"boolean","featureKey":"ai_token"}""");
        (status, body) = await ChatAsync(proxy);
        Assert.True(status == HttpStatusCode.OK, body);

        using var deleted = await server.Admin.DeleteAsync("/api/v2/customers/kong_air/entitlements/ai_token", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        (status, _) = await ChatAsync(proxy);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Single(llm.Requests);
    }

    [Fact]
    public async Task A_hard_limit_admits_calls_while_their_worst_case_fits_and_then_answers_429()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SetUpAsync(server, llm);
        await EntitleAsync(server, grant: 100);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        // Call k is admitted while 11 × (k − 1) + 18 ≤ 100: eight calls (88 tokens), then the ninth would risk 106.
        for (var call = 1; call <= 8; call++)
        {
            var (status, body) = await ChatAsync(proxy);
            Assert.True(status == HttpStatusCode.OK, $"call {call}: {body}");
        }

        var (refused, answer) = await ChatAsync(proxy);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        var error = JsonNode.Parse(answer)!["error"]!;
        Assert.Equal("insufficient_quota", error["type"]!.GetValue<string>());
        Assert.Contains("the limit of feature 'ai_token' for customer 'Kong Air' is used up", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(8, llm.Requests.Count);

        await AiProxyTests.FlushUsageAsync(server);
        using var value = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements/ai_token/value"));
        Assert.Equal("88", Number(value.RootElement.GetProperty("usage")));
        Assert.Equal("12", Number(value.RootElement.GetProperty("balance")));
        Assert.True(value.RootElement.GetProperty("hasAccess").GetBoolean());

        // A new grant lifts the limit within the gateway's refresh (about a second), with no restart.
        await CreateAsync(server, "/api/v2/customers/kong_air/entitlements/ai_token/grants", """{"amount":50,"priority":1,"effectiveAt":"2020-01-01T00:00:00Z","expiration":{"duration":"YEAR","count":100} }""");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode after;
        do
        {
            await Task.Delay(200, Ct);
            (after, _) = await ChatAsync(proxy);
        }
        while (after != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Concurrent_calls_never_spend_more_than_the_grant()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        llm.Behaviour = llm.Behaviour with { DelayBeforeResponse = TimeSpan.FromMilliseconds(100) };
        await using var server = await store.StartAsync();
        await SetUpAsync(server, llm);
        await EntitleAsync(server, grant: 100);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => ChatAsync(proxy)));
        var admitted = results.Count(r => r.Status == HttpStatusCode.OK);
        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, r.Body));

        // Five worst cases (5 × 18 = 90) fit at once; calls arriving after some settled may fit too, but only while
        // 11 × settled + 18 ≤ 100, so never more than eight, and what they used never passes the grant.
        Assert.InRange(admitted, 100 / WorstCasePerCall, 8);
        Assert.Equal(admitted, llm.Requests.Count);
        await AiProxyTests.FlushUsageAsync(server);
        using var value = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements/ai_token/value"));
        Assert.Equal((admitted * UsedPerCall).ToString(System.Globalization.CultureInfo.InvariantCulture), Number(value.RootElement.GetProperty("usage")));
    }

    [Fact]
    public async Task A_plain_route_checks_access_only_and_answers_in_kongs_shape()
    {
        await using var echo = await EchoUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await AiProxyTests.EnableTokensMeterAsync(server);
        await CreateAsync(server, "/api/v1/features", """{"key":"support","name":"Support"}""");
        await ProxyTests.Admin(server, "/services", $$"""{"name":"support-service","url":"{{echo.Url}}"}""");
        await ProxyTests.Admin(server, "/services/support-service/routes", """{"name":"support-route","paths":["/support"]}""");
        await ProxyTests.Admin(server, "/routes/support-route/plugins", """{"name":"key-auth"}""");
        await ProxyTests.Admin(server, "/routes/support-route/plugins", """{"name":"entitlement","config":{"feature":"support"}}""");
        await ProxyTests.Admin(server, "/consumers", """{"username":"kong-air"}""");
        await ProxyTests.Admin(server, "/consumers/kong-air/key-auth", """{"key":"kong-air-key"}""");
        await CreateAsync(server, "/api/v1/customers", """{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}""");
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        using var refused = await GetAsync(proxy, "/support/tickets");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("""{"message":"customer 'Kong Air' has no access to feature 'support'"}""", await refused.Content.ReadAsStringAsync(Ct));

        await CreateAsync(server, "/api/v2/customers/kong_air/entitlements", """{"type":"static","featureKey":"support","config":"{\"tier\":\"gold\"}"}""");
        using var admitted = await GetAsync(proxy, "/support/tickets");
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient proxy, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("apikey", "kong-air-key");
        return await proxy.SendAsync(request, Ct);
    }

    /// <summary>The seed's gateway with the entitlement plugin on /chat, the token meter and feature ai_token.</summary>
    private static async Task SetUpAsync(TollgateServer server, FakeLlmUpstream llm)
    {
        await AiProxyTests.EnableTokensMeterAsync(server);
        await AiProxyTests.SeedGatewayAsync(server, llm);
        await ProxyTests.Admin(server, "/routes/chat-route/plugins", """{"name":"entitlement","config":{"feature":"ai_token"}}""");
        await CreateAsync(server, "/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens","meterGroupByFilters":{"provider":"openai"}}""");
    }

    private static async Task EntitleAsync(TollgateServer server, int grant)
    {
        await CreateAsync(server, "/api/v1/customers", """{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}""");
        await CreateAsync(server, "/api/v2/customers/kong_air/entitlements", """{"type":"metered","featureKey":"ai_token","usagePeriod":{"interval":"MONTH"},"isSoftLimit":false}""");
        await CreateAsync(server, "/api/v2/customers/kong_air/entitlements/ai_token/grants", $$"""{"amount":{{grant}},"priority":1,"effectiveAt":"2020-01-01T00:00:00Z","expiration":{"duration":"YEAR","count":100} }""");
    }

    private static async Task CreateAsync(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path} answered {(int)response.StatusCode}: {body}");
    }

    private static async Task<(HttpStatusCode Status, string Body)> ChatAsync(HttpClient proxy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(Call, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", "kong-air-key");
        using var response = await proxy.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>A Numeric (string) or a JSON number, as text.</summary>
    private static string Number(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
}

public sealed class GatewayEntitlementTestsOnSqlite() : GatewayEntitlementTests(TestStore.Sqlite);

public sealed class GatewayEntitlementTestsOnPostgres() : GatewayEntitlementTests(TestStore.Postgres);
