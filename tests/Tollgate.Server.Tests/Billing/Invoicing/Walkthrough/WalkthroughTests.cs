using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;

namespace Tollgate.Server.Tests.Billing.Invoicing.Walkthrough;

/// <summary>
/// The seed "Meter LLM traffic" as a newcomer runs it: <c>examples/meter-llm-traffic/walkthrough.sh</c> against a real
/// server and an OpenAI-compatible upstream, then the invoice preview checked independently through the API: the
/// ai-token line bills exactly the tokens the upstream reported, at $0.00002 each, rounded to cents.
/// </summary>
public abstract class WalkthroughTests(TestStore store)
{
    /// <summary>The seed's literal request body, as the script sends it.</summary>
    private const string SeedBody = """{"model":"gpt-4","messages":[{"role":"user","content":"Say this is a test!"}]}""";

    private const string ProviderKey = "sk-walkthrough-test";

    private const decimal UnitPrice = 0.00002m;

    /// <summary>42 words: with the seed's 3 + 5 prompt tokens a call costs 50 tokens, so 5 calls bill 250 tokens = $0.005, half a cent.</summary>
    private static readonly string Reply = string.Concat(Enumerable.Repeat("This is a test! ", 10)) + "Kong Air";

    private static int TokensPerCall => FakeLlmUpstream.PromptTokens(JsonNode.Parse(SeedBody)!) + FakeLlmUpstream.CompletionTokens(Reply);

    [Fact]
    public async Task The_walkthrough_bills_the_tokens_the_upstream_reported_rounded_to_cents()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        llm.Behaviour = new UpstreamBehaviour { ReplyText = Reply };
        await using var server = await store.StartAsync();

        var run = await ExampleProcesses.RunWalkthroughAsync(server, UpstreamUrl(llm), calls: 5, ProviderKey);
        Assert.True(run.ExitCode == 0, $"walkthrough.sh exited with {run.ExitCode}.\n{run.Output}");

        // The calls reached the upstream with the provider's key from OPENAI_API_KEY, never the consumer's.
        Assert.Equal(5, llm.Requests.Count);
        Assert.All(llm.Requests, r => Assert.Equal($"Bearer {ProviderKey}", r.Header("authorization")));
        Assert.All(llm.Requests, r => Assert.Equal("/v1/chat/completions", r.PathAndQuery));

        Assert.Equal(50, TokensPerCall);
        var (quantity, total) = await AiTokenLineAsync(server, run);
        Assert.Equal(5 * TokensPerCall, quantity);
        Assert.Equal(Math.Round(quantity * UnitPrice, 2, MidpointRounding.AwayFromZero), total);
        Assert.Equal(0.01m, total);
        Assert.Contains("ai-token   250        0.00002      0.01", run.Output, StringComparison.Ordinal);
        Assert.Contains("= $0.01 rounded to cents: OK", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_it_again_reuses_what_exists_and_bills_both_runs()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        llm.Behaviour = new UpstreamBehaviour { ReplyText = Reply };
        await using var server = await store.StartAsync();

        var first = await ExampleProcesses.RunWalkthroughAsync(server, UpstreamUrl(llm), calls: 2, ProviderKey);
        Assert.True(first.ExitCode == 0, $"the first walkthrough.sh exited with {first.ExitCode}.\n{first.Output}");
        var second = await ExampleProcesses.RunWalkthroughAsync(server, UpstreamUrl(llm), calls: 3, ProviderKey);
        Assert.True(second.ExitCode == 0, $"the second walkthrough.sh exited with {second.ExitCode}.\n{second.Output}");
        Assert.Contains("key-auth key kong-air-key already there", second.Output, StringComparison.Ordinal);
        Assert.Contains($"({2 * TokensPerCall} before this run)", second.Output, StringComparison.Ordinal);

        // One of everything: the second run updated or reused, and added nothing.
        Assert.Equal(1, await CountAsync(server, "/services"));
        Assert.Equal(1, await CountAsync(server, "/routes"));
        Assert.Equal(2, await CountAsync(server, "/plugins"));
        Assert.Equal(1, await CountAsync(server, "/key-auths"));
        Assert.Equal(1, await CountAsync(server, "/api/v1/features"));
        Assert.Equal(1, await CountAsync(server, "/api/v1/plans?key=token"));
        Assert.Equal(1, await CountAsync(server, "/api/v1/customers"));
        Assert.Equal(1, await CountAsync(server, "/api/v1/customers/kong_air/subscriptions"));

        var (quantity, total) = await AiTokenLineAsync(server, second);
        Assert.Equal(5 * TokensPerCall, quantity);
        Assert.Equal(0.01m, total);
    }

    /// <summary>The ai-token line of Kong Air's gathering invoice: its quantity and total.</summary>
    internal static async Task<(decimal Quantity, decimal Total)> AiTokenLineAsync(TollgateServer server, ScriptRun run)
    {
        using var customer = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air"));
        var gathering = await InvoicingFixture.GatheringAsync(server, customer.RootElement.GetProperty("id").GetString()!);
        var lines = InvoicingFixture.Lines(gathering).ToList();
        var line = Assert.Single(lines, l => l.GetProperty("name").GetString() == "ai-token");
        Assert.True(lines.Count == 1, $"the gathering invoice has {lines.Count} lines.\n{run.Output}");
        return (InvoicingFixture.Decimal(line.GetProperty("quantity")), InvoicingFixture.Total(line));
    }

    private static string UpstreamUrl(FakeLlmUpstream llm) => new Uri(llm.Url, "v1/chat/completions").ToString();

    /// <summary>How many items a list answers: Kong's page (<c>data</c>), OpenMeter's page (<c>items</c>) or a plain array.</summary>
    private static async Task<int> CountAsync(TollgateServer server, string path)
    {
        using var page = JsonDocument.Parse(await server.GetStringAsync(path));
        var root = page.RootElement;
        return (root.ValueKind == JsonValueKind.Array ? root : root.TryGetProperty("data", out var data) ? data : root.GetProperty("items")).GetArrayLength();
    }
}

public sealed class WalkthroughTestsOnSqlite() : WalkthroughTests(TestStore.Sqlite);

public sealed class WalkthroughTestsOnPostgres() : WalkthroughTests(TestStore.Postgres);
