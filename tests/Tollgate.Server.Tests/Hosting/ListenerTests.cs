using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Hosting;

public sealed class ListenerTests
{
    [Fact]
    public async Task Healthz_answers_on_the_admin_port_once_the_store_is_migrated()
    {
        await using var server = await TollgateServer.StartAsync();
        Assert.Equal("""{"status":"ok"}""", await server.GetStringAsync("/healthz"));
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "tollgate.db")));
    }

    [Fact]
    public async Task Each_port_serves_only_its_own_endpoints()
    {
        await using var server = await TollgateServer.StartAsync();
        using var client = new HttpClient();
        var ct = TestContext.Current.CancellationToken;

        using var proxyHealth = await client.GetAsync(new Uri(server.ProxyUrl, "/healthz"), ct);
        Assert.Equal(HttpStatusCode.NotFound, proxyHealth.StatusCode);
        Assert.Equal("""{"message":"no Route matched with those values"}""", await proxyHealth.Content.ReadAsStringAsync(ct));

        using var proxyMeters = await client.GetAsync(new Uri(server.ProxyUrl, "/api/v1/meters"), ct);
        Assert.Equal(HttpStatusCode.NotFound, proxyMeters.StatusCode);

        using var consoleMeters = await client.GetAsync(new Uri(server.ConsoleUrl, "/api/v1/meters"), ct);
        Assert.Equal(HttpStatusCode.NotFound, consoleMeters.StatusCode);
        Assert.Equal("application/problem+json", consoleMeters.Content.Headers.ContentType?.MediaType);

        using var adminUnknown = await server.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, adminUnknown.StatusCode);
        using var problem = JsonDocument.Parse(await adminUnknown.Content.ReadAsStringAsync(ct));
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("/nope", problem.RootElement.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task An_admin_token_guards_the_admin_api_but_not_healthz()
    {
        await using var server = await TollgateServer.StartAsync(adminToken: "s3cret");
        var ct = TestContext.Current.CancellationToken;
        using var health = await server.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var anonymous = await server.GetAsync("/api/v1/meters");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/meters");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        using var authorized = await server.Admin.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Equal("[]", await authorized.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public void Listening_beyond_loopback_without_a_token_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Tollgate.Server.Hosting.TollgateHost.Build(new Tollgate.Server.Hosting.TollgateOptions
        {
            DataDirectory = TollgateServer.NewDataDirectory(),
            AdminListen = ":0",
            ProxyListen = "127.0.0.1:0",
            ConsoleListen = "127.0.0.1:0",
        }));
        Assert.Equal("--admin-token (or TOLLGATE_ADMIN_TOKEN) is required when the admin API or console listens beyond loopback", error.Message);
    }
}
