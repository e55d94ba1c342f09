using System.Diagnostics;
using System.Net;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Gateway;

/// <summary>Gateway config shared by several nodes on one PostgreSQL database.</summary>
public sealed class GatewayMultiNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_route_and_a_key_created_on_one_node_reach_the_other_nodes_proxy_without_a_restart()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        var database = TestStore.Postgres.NewDatabaseUrl();
        await using var a = await TollgateServer.StartAsync(databaseUrl: database);
        await using var b = await TollgateServer.StartAsync(databaseUrl: database);
        using var proxyB = new HttpClient { BaseAddress = b.ProxyUrl };

        await ProxyTests.Admin(a, "/services", $$"""{"name":"echo","url":"{{upstream.Url}}"}""");
        await ProxyTests.Admin(a, "/services/echo/routes", """{"name":"api","paths":["/api"]}""");
        await ProxyTests.Admin(a, "/services/echo/plugins", """{"name":"key-auth"}""");
        await ProxyTests.Admin(a, "/consumers", """{"username":"kong-air"}""");
        await ProxyTests.Admin(a, "/consumers/kong-air/key-auth", """{"key":"air-key"}""");
        // Only node b's refresher (a poll every 250 ms) can bring the change: a fraction of a second on an idle
        // machine, printed below. The bound gives a loaded test machine twenty polls; it is not a latency measurement.
        var changed = Stopwatch.StartNew();

        HttpStatusCode status;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api");
            request.Headers.Add("apikey", "air-key");
            using var response = await proxyB.SendAsync(request, Ct);
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(20, Ct);
            }
        }
        while (status != HttpStatusCode.OK && changed.Elapsed < TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.OK, status);
        TestContext.Current.TestOutputHelper?.WriteLine($"node b served the change after {changed.ElapsedMilliseconds} ms");
        Assert.True(changed.Elapsed < TimeSpan.FromSeconds(5), $"node b served the change after {changed.ElapsedMilliseconds} ms");

        // A change on b is seen by a, and both hold the same version.
        using var delete = await b.Admin.DeleteAsync("/routes/api", Ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var proxyA = new HttpClient { BaseAddress = a.ProxyUrl };
        var deleted = Stopwatch.StartNew();
        do
        {
            using var response = await proxyA.GetAsync("/api?apikey=air-key", Ct);
            status = response.StatusCode;
            await Task.Delay(20, Ct);
        }
        while (status != HttpStatusCode.NotFound && deleted.Elapsed < TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
