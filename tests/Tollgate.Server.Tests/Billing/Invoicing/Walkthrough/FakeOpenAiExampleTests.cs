using System.Net;
using System.Text;
using Tollgate.Server.Tests.Gateway;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing.Invoicing.Walkthrough;

/// <summary>
/// The example folder's own three commands: <c>dotnet run fake-openai.cs</c> as the upstream (a .NET file-based app;
/// its first build takes seconds here), the walkthrough against it, and a streamed call whose usage arrives in the
/// fake's final chunk. The store does not matter to the fake, so this runs on SQLite only.
/// </summary>
public sealed class FakeOpenAiExampleTests
{
    /// <summary>The seed's body with streaming asked for, as an OpenAI SDK sends it.</summary>
    private const string StreamingBody = """{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"Say this is a test!"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_examples_fake_upstream_serves_the_walkthrough_and_streams_with_usage()
    {
        await using var fake = await ExampleProcesses.StartFakeOpenAiAsync(TimeSpan.FromSeconds(90));
        await using var server = await TestStore.Sqlite.StartAsync();

        // The fake's usage: 5 prompt tokens (the words of "Say this is a test!") and 100 completion tokens a call.
        var run = await ExampleProcesses.RunWalkthroughAsync(server, fake.ChatCompletionsUrl.ToString(), calls: 3, "any-key");
        Assert.True(run.ExitCode == 0, $"walkthrough.sh exited with {run.ExitCode}.\n{run.Output}\n--- fake-openai.cs ---\n{fake.Output}");
        Assert.Contains("call 1: 200, \"This is a test!\", 105 tokens", run.Output, StringComparison.Ordinal);
        var (quantity, total) = await WalkthroughTests.AiTokenLineAsync(server, run);
        Assert.Equal(315m, quantity);
        Assert.Equal(0.01m, total);

        // Streamed: the gateway asks the fake for its usage chunk and hides it from a client that did not ask.
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(StreamingBody, Encoding.UTF8, "application/json") };
        request.Headers.Add("Authorization", "Bearer kong-air-key");
        using var response = await proxy.SendAsync(request, Ct);
        var stream = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, stream);
        Assert.Contains("\"content\":\" test!\"", stream, StringComparison.Ordinal);
        Assert.DoesNotContain("usage", stream, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", stream, StringComparison.Ordinal);

        await AiProxyTests.FlushUsageAsync(server);
        (quantity, total) = await WalkthroughTests.AiTokenLineAsync(server, run);
        Assert.Equal(420m, quantity);
        Assert.Equal(0.01m, total);
    }
}
