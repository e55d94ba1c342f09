using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;

namespace Tollgate.Server.Tests.Gateway;

/// <summary>The gateway keeps serving while the store refuses its usage, and loses none of it (PostgreSQL).</summary>
public sealed class UsageOutboxTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Usage_the_store_refused_is_spooled_survives_a_restart_and_is_counted_once_after_recovery()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        var database = TestStore.Postgres.NewDatabaseUrl()!;
        var directory = TollgateServer.NewDataDirectory();
        var server = await TollgateServer.StartAsync(directory, databaseUrl: database);
        await AiProxyTests.EnableTokensMeterAsync(server);
        await AiProxyTests.SeedGatewayAsync(server, llm);

        // The store refuses every usage event from now on, as a database that is down or full would.
        await ExecuteAsync(database, "ALTER TABLE events ADD CONSTRAINT store_down CHECK (type <> 'kong.llm_request')");
        using (var proxy = new HttpClient { BaseAddress = server.ProxyUrl })
        {
            for (var i = 0; i < 3; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
                {
                    Content = new StringContent("""{"model":"gpt-4","messages":[{"role":"user","content":"hello there"}]}""", Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("apikey", "kong-air-key");
                using var response = await proxy.SendAsync(request, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        await AiProxyTests.FlushUsageAsync(server);
        var spool = Path.Combine(directory, "gateway-outbox", "usage-spool.jsonl");
        Assert.Equal(6, (await File.ReadAllLinesAsync(spool, Ct)).Length);
        Assert.Equal(0, await server.CountAsync("SELECT COUNT(*) FROM events"));

        // The node restarts while the store is still down, then the store recovers.
        await server.StopAsync();
        Assert.True(File.Exists(spool));
        await ExecuteAsync(database, "ALTER TABLE events DROP CONSTRAINT store_down");
        await using var restarted = await TollgateServer.StartAsync(directory, databaseUrl: database);

        var prompt = FakeLlmUpstream.PromptTokens(JsonNode.Parse("""{"messages":[{"role":"user","content":"hello there"}]}""")!);
        var expected = new Dictionary<string, decimal> { ["request"] = 3 * prompt, ["response"] = 3 * 7 };
        var deadline = DateTime.UtcNow.AddSeconds(15);
        Dictionary<string, decimal> actual;
        do
        {
            await Task.Delay(100, Ct);
            actual = await AiProxyTests.TokensByTypeAsync(restarted, "kong-air");
        }
        while (!expected.SequenceEqual(actual) && DateTime.UtcNow < deadline);

        Assert.Equal(expected, actual);
        Assert.Equal(6, await restarted.CountAsync("SELECT COUNT(*) FROM events"));
        Assert.False(File.Exists(spool));
    }

    private static async Task ExecuteAsync(string databaseUrl, string sql)
    {
        await using var connection = new NpgsqlConnection(Tollgate.Store.Postgres.PostgresUrl.ToConnectionString(databaseUrl));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
