using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Gateway;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;

namespace Tollgate.Server.Tests.Billing;

/// <summary>
/// Subscribing creates the rate cards' entitlements and cancelling ends them, and the gateway's entitlement plugin
/// follows: the seed's plan with a boolean entitlement on ai_token, and a plan whose metered template allows 30
/// tokens a month.
/// </summary>
public abstract class SubscriptionEntitlementsTests(TestStore store)
{
    private const string TokenPlan = """
        {"key":"token","name":"Token","currency":"USD","billingCadence":"P1M","phases":[{"key":"default","name":"Default","rateCards":[
          {"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","billingCadence":"P1M",
           "price":{"type":"unit","amount":"0.00002"},"entitlementTemplate":{"type":"boolean"}}]}]}
        """;

    private const string AllowancePlan = """
        {"key":"allowance","name":"Allowance","currency":"USD","billingCadence":"P1M","phases":[{"key":"default","name":"Default","rateCards":[
          {"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","billingCadence":"P1M",
           "price":{"type":"unit","amount":"0.00002"},"entitlementTemplate":{"type":"metered","issueAfterReset":30,"isSoftLimit":false}}]}]}
        """;

    /// <summary>FakeLlm: 3 + 1 prompt tokens and 7 answered, 11 a call; Tollgate's worst case is 8 + max_tokens 10 = 18.</summary>
    private const string Call = """{"model":"gpt-4","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribing_grants_the_plans_entitlement_and_cancelling_takes_it_away()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SetUpAsync(server, llm, TokenPlan);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        Assert.Equal(HttpStatusCode.Forbidden, (await ChatAsync(proxy)).Status);

        var subscription = await SubscribeAsync(server, "token");
        using (var access = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/access")))
        {
            Assert.True(access.RootElement.GetProperty("entitlements").GetProperty("ai_token").GetProperty("hasAccess").GetBoolean());
        }

        using (var entitlement = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements/ai_token")))
        {
            Assert.Equal("boolean", entitlement.RootElement.GetProperty("type").GetString());
            Assert.Equal(subscription, entitlement.RootElement.GetProperty("annotations").GetProperty("subscription.id").GetString());
        }

        var (status, body) = await ChatAsync(proxy);
        Assert.True(status == HttpStatusCode.OK, body);

        using var cancelled = await server.PostJsonAsync($"/api/v1/subscriptions/{subscription}/cancel", """{"timing":"immediate"}""");
        Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync(Ct));
        using (var access = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/access")))
        {
            Assert.False(access.RootElement.GetProperty("entitlements").TryGetProperty("ai_token", out var value) && value.GetProperty("hasAccess").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await ChatAsync(proxy)).Status);
    }

    [Fact]
    public async Task A_metered_template_gives_a_monthly_allowance_the_gateway_holds_to()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SetUpAsync(server, llm, AllowancePlan);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        await SubscribeAsync(server, "allowance");

        using (var value = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements/ai_token/value")))
        {
            Assert.Equal(30m, value.RootElement.GetProperty("balance").GetDecimal());
        }

        // 30 tokens: calls are admitted while 11 × (k − 1) + 18 ≤ 30, so two (22 tokens), and the third is refused.
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(proxy)).Status);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(proxy)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ChatAsync(proxy)).Status);
        await AiProxyTests.FlushUsageAsync(server);
        using var after = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements/ai_token/value"));
        Assert.Equal(22m, after.RootElement.GetProperty("usage").GetDecimal());
        Assert.Equal(8m, after.RootElement.GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task Changing_plans_swaps_the_entitlement_at_the_same_instant()
    {
        // A subscription changed in the millisecond it started never took effect, and its entitlement is removed
        // instead of ended: the clock moves on between the two.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync(time: clock);
        await SetUpAsync(server, llm, TokenPlan);
        var allowance = await CreateAsync(server, "/api/v1/plans", AllowancePlan);
        using (var published = await server.PostJsonAsync($"/api/v1/plans/{allowance}/publish", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        }

        var subscription = await SubscribeAsync(server, "token");
        clock.Advance(TimeSpan.FromHours(1));
        using var changed = await server.PostJsonAsync($"/api/v1/subscriptions/{subscription}/change", """{"timing":"immediate","plan":{"key":"allowance"}}""");
        var answer = await changed.Content.ReadAsStringAsync(Ct);
        Assert.True(changed.IsSuccessStatusCode, answer);
        using var body = JsonDocument.Parse(answer);
        var next = body.RootElement.GetProperty("next").GetProperty("id").GetString();

        using var entitlements = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements?includeDeleted=true"));
        var list = entitlements.RootElement.ValueKind == JsonValueKind.Array ? entitlements.RootElement : entitlements.RootElement.GetProperty("items");
        var boolean = list.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "boolean");
        var metered = list.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "metered");
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 10, 0, 0, TimeSpan.Zero), boolean.GetProperty("activeTo").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 10, 0, 0, TimeSpan.Zero), metered.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Equal(next, metered.GetProperty("annotations").GetProperty("subscription.id").GetString());
        using var value = JsonDocument.Parse(await server.GetStringAsync("/api/v2/customers/kong_air/entitlements/ai_token/value"));
        Assert.Equal(30m, value.RootElement.GetProperty("balance").GetDecimal());
    }

    private static async Task SetUpAsync(TollgateServer server, FakeLlmUpstream llm, string plan)
    {
        await AiProxyTests.EnableTokensMeterAsync(server);
        await AiProxyTests.SeedGatewayAsync(server, llm);
        await ProxyTests.Admin(server, "/routes/chat-route/plugins", """{"name":"entitlement","config":{"feature":"ai_token"}}""");
        await CreateAsync(server, "/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens","meterGroupByFilters":{"provider":"openai"}}""");
        var planId = await CreateAsync(server, "/api/v1/plans", plan);
        using var published = await server.PostJsonAsync($"/api/v1/plans/{planId}/publish", "{}");
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await CreateAsync(server, "/api/v1/customers", """{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}""");
    }

    private static Task<string> SubscribeAsync(TollgateServer server, string planKey) =>
        CreateAsync(server, "/api/v1/subscriptions", $$"""{"customerKey":"kong_air","plan":{"key":"{{planKey}}"},"timing":"immediate"}""");

    private static async Task<string> CreateAsync(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<(HttpStatusCode Status, string Body)> ChatAsync(HttpClient proxy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(Call, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", "kong-air-key");
        using var response = await proxy.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}

public sealed class SubscriptionEntitlementsTestsOnSqlite() : SubscriptionEntitlementsTests(TestStore.Sqlite);

public sealed class SubscriptionEntitlementsTestsOnPostgres() : SubscriptionEntitlementsTests(TestStore.Postgres);
