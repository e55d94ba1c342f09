using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Tollgate.Gateway.Usage;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;

namespace Tollgate.Server.Tests.Gateway;

/// <summary>
/// The ai-proxy with token accounting, end to end: the real server, a real OpenAI- and Anthropic-compatible
/// upstream on loopback, the official OpenAI SDK as a client, and the usage as metering counts it.
/// </summary>
public abstract class AiProxyTests(TestStore store)
{
    private const string SeedBody = """{"model":"gpt-4","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello to Kong Air"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_seeds_request_is_proxied_with_the_providers_key_and_metered_exactly()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await EnableTokensMeterAsync(server);
        await SeedGatewayAsync(server, llm);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(SeedBody, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", "kong-air-key");
        using var response = await proxy.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var completion = JsonNode.Parse(body)!;
        Assert.Equal("Hello! How can I help you today?", completion["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("gpt-4-0613", completion["model"]!.GetValue<string>());
        Assert.Equal("openai/gpt-4", response.Headers.GetValues("X-Kong-LLM-Model").Single());

        // The provider got the provider's key, never the consumer's, and the plugin's model.
        var received = Assert.Single(llm.Requests);
        Assert.Equal("/v1/chat/completions", received.PathAndQuery);
        Assert.Equal("Bearer provider-secret", received.Header("authorization"));
        Assert.Null(received.Header("apikey"));
        Assert.Equal("kong-air", received.Header("x-consumer-username"));

        var prompt = FakeLlmUpstream.PromptTokens(JsonNode.Parse(SeedBody)!);
        var output = FakeLlmUpstream.CompletionTokens("Hello! How can I help you today?");
        Assert.Equal(prompt, completion["usage"]!["prompt_tokens"]!.GetValue<int>());
        await FlushUsageAsync(server);
        var events = await UsageEventsAsync(server);
        Assert.Equal(2, events.Count);
        var requestId = response.Headers.GetValues("X-Kong-Request-Id").Single();
        var input = events.Single(e => e.GetProperty("id").GetString() == $"{requestId}/request");
        var outputEvent = events.Single(e => e.GetProperty("id").GetString() == $"{requestId}/response");
        Assert.Equal("kong-air", input.GetProperty("subject").GetString());
        Assert.Equal("kong.llm_request", input.GetProperty("type").GetString());
        var data = input.GetProperty("data");
        Assert.Equal(prompt, data.GetProperty("tokens").GetInt64());
        Assert.Equal("request", data.GetProperty("type").GetString());
        Assert.Equal("openai", data.GetProperty("provider").GetString());
        Assert.Equal("gpt-4-0613", data.GetProperty("model").GetString());
        Assert.Equal("gpt-4", data.GetProperty("requested_model").GetString());
        Assert.Equal("example-service", data.GetProperty("service").GetString());
        Assert.Equal("chat-route", data.GetProperty("route").GetString());
        Assert.Equal("provider", data.GetProperty("usage_source").GetString());
        Assert.Equal(200, data.GetProperty("http_status").GetInt32());
        Assert.Equal(output, outputEvent.GetProperty("data").GetProperty("tokens").GetInt64());

        Assert.Equal(new Dictionary<string, decimal> { ["request"] = prompt, ["response"] = output }, await TokensByTypeAsync(server, "kong-air"));
    }

    [Fact]
    public async Task The_providers_key_never_appears_in_admin_answers_and_survives_a_patch()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SeedGatewayAsync(server, llm);
        var plugins = await server.GetStringAsync("/plugins");
        Assert.DoesNotContain("provider-secret", plugins, StringComparison.Ordinal);
        var aiProxy = JsonNode.Parse(plugins)!["data"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "ai-proxy")!;
        Assert.Equal("[REDACTED]", aiProxy["config"]!["auth"]!["header_value"]!.GetValue<string>());

        // A PATCH that sends the config back as it was shown keeps the stored key.
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/plugins/{aiProxy["id"]!.GetValue<string>()}")
        {
            Content = new StringContent(new JsonObject { ["config"] = aiProxy["config"]!.DeepClone() }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var patched = await server.Admin.SendAsync(patch, Ct);
        var answer = await patched.Content.ReadAsStringAsync(Ct);
        Assert.True(patched.StatusCode == HttpStatusCode.OK, answer);
        Assert.DoesNotContain("provider-secret", answer, StringComparison.Ordinal);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        await PostChatAsync(proxy, SeedBody);
        Assert.Equal("Bearer provider-secret", llm.Requests.Single().Header("authorization"));
    }

    [Fact]
    public async Task The_official_OpenAI_SDK_works_through_the_gateway_streaming_and_not()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await EnableTokensMeterAsync(server);
        await SeedGatewayAsync(server, llm);
        var client = new ChatClient("gpt-4", new ApiKeyCredential("kong-air-key"), new OpenAIClientOptions { Endpoint = new Uri(server.ProxyUrl, "/chat/v1") });
        ChatMessage[] messages = [new SystemChatMessage("You are terse."), new UserChatMessage("Say hello to me")];

        ChatCompletion completion = await client.CompleteChatAsync(messages, cancellationToken: Ct);
        Assert.Equal("Hello! How can I help you today?", completion.Content[0].Text);
        Assert.Equal(13, completion.Usage.InputTokenCount);
        Assert.Equal(7, completion.Usage.OutputTokenCount);

        // The SDK asks for the usage chunk itself (stream_options.include_usage), so it gets it.
        var text = new StringBuilder();
        ChatTokenUsage? streamedUsage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            streamedUsage ??= update.Usage;
        }

        Assert.Equal("Hello! How can I help you today?", text.ToString());
        Assert.Equal(13, streamedUsage?.InputTokenCount);
        Assert.Equal(7, streamedUsage?.OutputTokenCount);
        await FlushUsageAsync(server);
        Assert.Equal(new Dictionary<string, decimal> { ["request"] = 26, ["response"] = 14 }, await TokensByTypeAsync(server, "kong-air"));
        Assert.All(await UsageEventsAsync(server), e => Assert.Equal("provider", e.GetProperty("data").GetProperty("usage_source").GetString()));
    }

    [Fact]
    public async Task A_stream_whose_client_asked_for_usage_gets_it_and_an_upstream_without_usage_is_estimated()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SeedGatewayAsync(server, llm);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        var asked = await PostChatAsync(proxy, """{"model":"gpt-4","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]}""");
        Assert.Contains("\"choices\":[],", asked, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", asked, StringComparison.Ordinal);

        // A client that did not ask never sees the usage chunk, though the gateway asked the upstream for it.
        var notAsked = await PostChatAsync(proxy, """{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"hi there"}]}""");
        Assert.DoesNotContain("\"choices\":[]", notAsked, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", notAsked, StringComparison.Ordinal);
        Assert.True(llm.Requests[1].Json()!["stream_options"]!["include_usage"]!.GetValue<bool>());
        await FlushUsageAsync(server);
        Assert.Equal(4, (await UsageEventsAsync(server)).Count(e => e.GetProperty("data").GetProperty("usage_source").GetString() == "provider"));

        llm.Behaviour = new UpstreamBehaviour { ReportUsage = false };
        var silent = await PostChatAsync(proxy, """{"model":"gpt-4","messages":[{"role":"user","content":"hi there"}]}""");
        Assert.DoesNotContain("usage", silent, StringComparison.Ordinal);
        await FlushUsageAsync(server);
        var estimated = (await UsageEventsAsync(server)).Where(e => e.GetProperty("data").GetProperty("usage_source").GetString() == "estimated").ToList();
        Assert.Equal(2, estimated.Count);
        Assert.All(estimated, e => Assert.True(e.GetProperty("data").GetProperty("tokens").GetInt64() > 0));

        // "Hello! How can I help you today?" in cl100k (gpt-4's encoding): 9 tokens, never zero.
        Assert.Equal(9, estimated.Single(e => e.GetProperty("data").GetProperty("type").GetString() == "response").GetProperty("data").GetProperty("tokens").GetInt64());
    }

    [Fact]
    public async Task An_upstream_error_reaches_the_client_and_meters_nothing()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SeedGatewayAsync(server, llm);
        llm.Behaviour = new UpstreamBehaviour { ErrorStatus = 429 };
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(SeedBody, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", "kong-air-key");
        using var response = await proxy.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("rate_limit_exceeded", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!["type"]!.GetValue<string>());

        using var bad = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent("""{"model":"gpt-3.5-turbo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json") };
        bad.Headers.Add("apikey", "kong-air-key");
        using var refused = await proxy.SendAsync(bad, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("cannot use own model - must be: gpt-4", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        await FlushUsageAsync(server);
        Assert.Empty(await UsageEventsAsync(server));
    }

    [Fact]
    public async Task A_provider_slower_than_the_services_read_timeout_is_a_504_and_meters_nothing()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SeedGatewayAsync(server, llm);
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, "/services/example-service") { Content = new StringContent("""{"read_timeout":300}""", Encoding.UTF8, "application/json") })
        using (var patched = await server.Admin.SendAsync(patch, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        llm.Behaviour = new UpstreamBehaviour { DelayBeforeResponse = TimeSpan.FromSeconds(3) };
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(SeedBody, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", "kong-air-key");
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await proxy.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("""{"message":"The upstream server is timing out"}""", await response.Content.ReadAsStringAsync(Ct));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), $"answered after {started.ElapsedMilliseconds} ms");
        await FlushUsageAsync(server);
        Assert.Empty(await UsageEventsAsync(server));
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_is_still_metered_for_the_whole_answer()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SeedGatewayAsync(server, llm);
        llm.Behaviour = new UpstreamBehaviour { DelayBetweenChunks = TimeSpan.FromMilliseconds(60) };
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent("""{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"hi there"}]}""", Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("apikey", "kong-air-key");
            using var response = await proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            var first = new byte[64];
            Assert.True(await stream.ReadAsync(first, Ct) > 0);
        }

        // The client is gone after the first chunk; the gateway read the upstream to its usage chunk.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<JsonElement> events;
        do
        {
            await Task.Delay(100, Ct);
            await FlushUsageAsync(server);
            events = await UsageEventsAsync(server);
        }
        while (events.Count < 2 && DateTime.UtcNow < deadline);

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("provider", e.GetProperty("data").GetProperty("usage_source").GetString()));
        Assert.Equal(7, events.Single(e => e.GetProperty("data").GetProperty("type").GetString() == "response").GetProperty("data").GetProperty("tokens").GetInt64());
    }

    [Fact]
    public async Task An_Anthropic_upstream_answers_OpenAI_clients_and_its_usage_is_metered()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await ProxyTests.Admin(server, "/services", $$"""{"name":"claude","url":"{{llm.Url}}"}""");
        await ProxyTests.Admin(server, "/services/claude/routes", """{"name":"claude-chat","paths":["/claude"]}""");
        await ProxyTests.Admin(server, "/routes/claude-chat/plugins", $$"""
            {"name":"ai-proxy","config":{"route_type":"llm/v1/chat","auth":{"header_name":"x-api-key","header_value":"anthropic-secret"},
             "model":{"provider":"anthropic","name":"claude-sonnet-4","options":{"upstream_url":"{{llm.Url}}v1/messages","max_tokens":256} } } }
            """);
        var client = new ChatClient("claude-sonnet-4", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.ProxyUrl, "/claude/v1") });
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Say hello to me")], cancellationToken: Ct);
        Assert.Equal("Hello! How can I help you today?", completion.Content[0].Text);
        Assert.Equal(7, completion.Usage.InputTokenCount);

        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello to me")], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello! How can I help you today?", text.ToString());
        var sent = llm.Requests[0];
        Assert.Equal("anthropic-secret", sent.Header("x-api-key"));
        Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
        Assert.Equal(256, sent.Json()!["max_tokens"]!.GetValue<int>());

        await FlushUsageAsync(server);
        var events = await UsageEventsAsync(server);
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.Equal("anthropic", e.GetProperty("data").GetProperty("provider").GetString()));
        Assert.All(events, e => Assert.Equal("anonymous", e.GetProperty("subject").GetString()));
        Assert.Equal(14, events.Where(e => e.GetProperty("data").GetProperty("type").GetString() == "request").Sum(e => e.GetProperty("data").GetProperty("tokens").GetInt64()));
        Assert.Equal(14, events.Where(e => e.GetProperty("data").GetProperty("type").GetString() == "response").Sum(e => e.GetProperty("data").GetProperty("tokens").GetInt64()));
    }

    [Fact]
    public async Task Embeddings_the_Responses_API_and_Azure_deployments_are_proxied_and_metered()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await ProxyTests.Admin(server, "/services", $$"""{"name":"openai","url":"{{llm.Url}}"}""");
        async Task RouteAsync(string name, string config)
        {
            await ProxyTests.Admin(server, "/services/openai/routes", $$"""{"name":"{{name}}","paths":["/{{name}}"]}""");
            await ProxyTests.Admin(server, $"/routes/{name}/plugins", "{\"name\":\"ai-proxy\",\"config\":" + config + "}");
        }

        await RouteAsync("embed", $$"""{"route_type":"llm/v1/embeddings","auth":{"header_name":"Authorization","header_value":"Bearer k"},"model":{"provider":"openai","name":"text-embedding-3-small","options":{"upstream_url":"{{llm.Url}}v1/embeddings"} } }""");
        await RouteAsync("responses", $$"""{"route_type":"llm/v1/responses","auth":{"header_name":"Authorization","header_value":"Bearer k"},"model":{"provider":"openai","name":"gpt-4o","options":{"upstream_url":"{{llm.Url}}v1/responses"} } }""");
        await RouteAsync("azure", $$"""{"route_type":"llm/v1/chat","auth":{"header_name":"api-key","header_value":"azure-key"},"model":{"provider":"azure","name":"gpt-4o","options":{"azure_instance":"tollgate","azure_deployment_id":"prod-gpt4o","upstream_url":"{{llm.Url}}openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21"} } }""");
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        var embeddings = new OpenAI.Embeddings.EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.ProxyUrl, "/embed/v1") });
        var embedding = await embeddings.GenerateEmbeddingAsync("the quick brown fox", cancellationToken: Ct);
        Assert.Equal(8, embedding.Value.ToFloats().Length);

        using var streamed = await proxy.PostAsync("/responses", new StringContent("""{"model":"gpt-4o","input":"Say hello to me","stream":true}""", Encoding.UTF8, "application/json"), Ct);
        var events = await streamed.Content.ReadAsStringAsync(Ct);
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("event: response.completed", events, StringComparison.Ordinal);

        var azure = new ChatClient("gpt-4o", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.ProxyUrl, "/azure/v1") });
        ChatCompletion completion = await azure.CompleteChatAsync([new UserChatMessage("Say hello to me")], cancellationToken: Ct);
        Assert.Equal("Hello! How can I help you today?", completion.Content[0].Text);
        var sentToAzure = llm.Requests.Single(r => r.PathAndQuery.StartsWith("/openai/deployments/", StringComparison.Ordinal));
        Assert.Equal("azure-key", sentToAzure.Header("api-key"));

        await FlushUsageAsync(server);
        var usage = await UsageEventsAsync(server);
        Assert.Equal(6, usage.Count);
        long Tokens(string model, string type) => usage
            .Where(e => e.GetProperty("data").GetProperty("requested_model").GetString() == model && e.GetProperty("data").GetProperty("type").GetString() == type)
            .Sum(e => e.GetProperty("data").GetProperty("tokens").GetInt64());
        Assert.Equal(4, Tokens("text-embedding-3-small", "request"));
        Assert.Equal(0, Tokens("text-embedding-3-small", "response"));
        Assert.Equal(4, Tokens("gpt-4o", "request") - 7);
        Assert.All(usage, e => Assert.Equal("provider", e.GetProperty("data").GetProperty("usage_source").GetString()));
        Assert.Equal(2, usage.Count(e => e.GetProperty("data").GetProperty("provider").GetString() == "azure"));
    }

    [Fact]
    public async Task The_tokens_meter_enabled_after_the_traffic_counts_it_too()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await SeedGatewayAsync(server, llm);
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        await PostChatAsync(proxy, SeedBody);
        await FlushUsageAsync(server);

        await EnableTokensMeterAsync(server);
        using var again = await server.PostJsonAsync("/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var expected = new Dictionary<string, decimal> { ["request"] = FakeLlmUpstream.PromptTokens(JsonNode.Parse(SeedBody)!), ["response"] = 7 };
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Dictionary<string, decimal> actual;
        do
        {
            actual = await TokensByTypeAsync(server, "kong-air");
        }
        while (actual.Count < 2 && DateTime.UtcNow < deadline && await Delay());

        Assert.Equal(expected, actual);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50, Ct);
        return true;
    }

    /// <summary>The seed's prerequisites: example-service with a /chat route, key-auth and ai-proxy (openai, gpt-4), consumer kong-air.</summary>
    internal static async Task SeedGatewayAsync(TollgateServer server, FakeLlmUpstream llm)
    {
        await ProxyTests.Admin(server, "/services", """{"name":"example-service","url":"http://httpbin.konghq.com/anything"}""");
        await ProxyTests.Admin(server, "/services/example-service/routes", """{"name":"chat-route","paths":["/chat"],"methods":["POST"]}""");
        await ProxyTests.Admin(server, "/routes/chat-route/plugins", """{"name":"key-auth","config":{"key_names":["apikey"]}}""");
        await ProxyTests.Admin(server, "/routes/chat-route/plugins", $$"""
            {"name":"ai-proxy","config":{"route_type":"llm/v1/chat","auth":{"header_name":"Authorization","header_value":"Bearer provider-secret"},
             "model":{"provider":"openai","name":"gpt-4","options":{"upstream_url":"{{llm.Url}}v1/chat/completions"} } } }
            """);
        await ProxyTests.Admin(server, "/consumers", """{"username":"kong-air"}""");
        await ProxyTests.Admin(server, "/consumers/kong-air/key-auth", """{"key":"kong-air-key"}""");
    }

    internal static async Task EnableTokensMeterAsync(TollgateServer server)
    {
        using var response = await server.PostJsonAsync("/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
    }

    internal static Task FlushUsageAsync(TollgateServer server) =>
        server.App.Services.GetRequiredService<UsageOutbox>().FlushAsync(Ct);

    internal static async Task<List<JsonElement>> UsageEventsAsync(TollgateServer server)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync("/api/v1/events?limit=100"));
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetProperty("event").Clone()).Where(e => e.GetProperty("type").GetString() == "kong.llm_request")];
    }

    internal static async Task<Dictionary<string, decimal>> TokensByTypeAsync(TollgateServer server, string subject)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/kong_konnect_llm_tokens/query?subject={subject}&groupBy=type"));
        return document.RootElement.GetProperty("data").EnumerateArray()
            .ToDictionary(row => row.GetProperty("groupBy").GetProperty("type").GetString()!, row => row.GetProperty("value").GetDecimal());
    }

    private static async Task<string> PostChatAsync(HttpClient proxy, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", "kong-air-key");
        using var response = await proxy.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }
}

public sealed class AiProxyTestsOnSqlite() : AiProxyTests(TestStore.Sqlite);

public sealed class AiProxyTestsOnPostgres() : AiProxyTests(TestStore.Postgres);
