using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Gateway;

/// <summary>Plain (non-AI) proxying with key-auth, against a real upstream on loopback.</summary>
public abstract class ProxyTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_route_forwards_with_strip_path_query_and_forwarding_headers()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await Admin(server, "/services", $$"""{"name":"echo","url":"{{upstream.Url}}base"}""");
        await Admin(server, "/services/echo/routes", """{"name":"api","paths":["/api"]}""");
        await Admin(server, "/services/echo/routes", """{"name":"kept","paths":["~/keep/\\d+$"],"strip_path":false,"methods":["POST"]}""");
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        using var response = await proxy.GetAsync("/api/items?page=2", Ct);
        var echo = await Echo(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/base/items?page=2", echo.GetProperty("path").GetString());
        Assert.Equal("127.0.0.1", echo.GetProperty("headers").GetProperty("x-real-ip").GetString());
        Assert.Equal("/api/items", echo.GetProperty("headers").GetProperty("x-forwarded-path").GetString());
        Assert.Equal("yes", response.Headers.GetValues("X-Echo").Single());
        Assert.Matches("^[0-9A-Z]{26}$", response.Headers.GetValues("X-Kong-Request-Id").Single());

        using var posted = await proxy.PostAsync("/keep/42", new StringContent("""{"a":1}""", Encoding.UTF8, "application/json"), Ct);
        var postedEcho = await Echo(posted);
        Assert.Equal("/base/keep/42", postedEcho.GetProperty("path").GetString());
        Assert.Equal("""{"a":1}""", postedEcho.GetProperty("body").GetString());
        Assert.Equal("application/json; charset=utf-8", postedEcho.GetProperty("headers").GetProperty("content-type").GetString());

        using var wrongMethod = await proxy.GetAsync("/keep/42", Ct);
        Assert.Equal(HttpStatusCode.NotFound, wrongMethod.StatusCode);
        Assert.Equal("""{"message":"no Route matched with those values"}""", await wrongMethod.Content.ReadAsStringAsync(Ct));

        using var status = await proxy.GetAsync("/api/x?status=418", Ct);
        Assert.Equal((HttpStatusCode)418, status.StatusCode);
    }

    [Fact]
    public async Task Key_auth_answers_401_like_Kong_and_names_the_consumer_upstream()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var server = await store.StartAsync();
        await Admin(server, "/services", $$"""{"name":"echo","url":"{{upstream.Url}}"}""");
        await Admin(server, "/services/echo/routes", """{"name":"api","paths":["/api"]}""");
        await Admin(server, "/services/echo/plugins", """{"name":"key-auth","config":{"key_names":["apikey","x-api-key"],"hide_credentials":true}}""");
        var consumer = await Admin(server, "/consumers", """{"username":"kong-air","custom_id":"air-1"}""");
        await Admin(server, "/consumers/kong-air/key-auth", """{"key":"air-key"}""");
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };

        using var missing = await proxy.GetAsync("/api", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("""{"message":"No API key found in request"}""", await missing.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Key realm=\"kong\"", missing.Headers.WwwAuthenticate.ToString());

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api");
        wrong.Headers.Add("apikey", "not-a-key");
        using var refused = await proxy.SendAsync(wrong, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("""{"message":"Unauthorized"}""", await refused.Content.ReadAsStringAsync(Ct));

        using var byHeader = new HttpRequestMessage(HttpMethod.Get, "/api");
        byHeader.Headers.Add("x-api-key", "air-key");
        var headers = (await Echo(await proxy.SendAsync(byHeader, Ct))).GetProperty("headers");
        Assert.Equal("kong-air", headers.GetProperty("x-consumer-username").GetString());
        Assert.Equal(consumer.GetProperty("id").GetString(), headers.GetProperty("x-consumer-id").GetString());
        Assert.Equal("air-1", headers.GetProperty("x-consumer-custom-id").GetString());
        Assert.False(headers.TryGetProperty("x-api-key", out _), "hide_credentials keeps the key from the upstream");

        var byQuery = await Echo(await proxy.GetAsync("/api?apikey=air-key&q=1", Ct));
        Assert.Equal("/?q=1", byQuery.GetProperty("path").GetString());

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api");
        bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "air-key");
        var bearerHeaders = (await Echo(await proxy.SendAsync(bearer, Ct))).GetProperty("headers");
        Assert.Equal("kong-air", bearerHeaders.GetProperty("x-consumer-username").GetString());
        Assert.False(bearerHeaders.TryGetProperty("authorization", out _), "a consumer key sent as a bearer token never travels upstream");
    }

    [Fact]
    public async Task A_change_is_in_force_on_the_proxy_when_the_admin_call_returns()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var server = await store.StartAsync();
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        await Admin(server, "/services", $$"""{"name":"echo","url":"{{upstream.Url}}"}""");
        for (var i = 0; i < 5; i++)
        {
            await Admin(server, "/services/echo/routes", $$"""{"name":"r{{i}}","paths":["/r{{i}}"]}""");
            using var response = await proxy.GetAsync($"/r{i}", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var delete = await server.Admin.DeleteAsync("/routes/r0", Ct);
        using var gone = await proxy.GetAsync("/r0", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task An_upstream_that_does_not_answer_is_a_502_or_504()
    {
        await using var server = await store.StartAsync();
        await Admin(server, "/services", """{"name":"closed","url":"http://127.0.0.1:9/","connect_timeout":2000}""");
        await Admin(server, "/services/closed/routes", """{"paths":["/closed"]}""");
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var response = await proxy.GetAsync("/closed", Ct);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("""{"message":"An invalid response was received from the upstream server"}""", await response.Content.ReadAsStringAsync(Ct));
    }

    internal static async Task<JsonElement> Admin(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> Echo(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"the proxy answered {(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}

public sealed class ProxyTestsOnSqlite() : ProxyTests(TestStore.Sqlite);

public sealed class ProxyTestsOnPostgres() : ProxyTests(TestStore.Postgres);
