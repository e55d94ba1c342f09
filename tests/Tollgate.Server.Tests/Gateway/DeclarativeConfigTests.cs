using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Routing;
using Tollgate.Gateway.Storage;
using Tollgate.Server.Hosting;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;

namespace Tollgate.Server.Tests.Gateway;

/// <summary>decK files through <c>POST /config</c>, <c>tollgate config</c> and <c>serve --config</c>.</summary>
public abstract class DeclarativeConfigTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The seed's gateway as decK writes it, with the secrets left to the environment.</summary>
    private static string SeedFile(Uri upstream, string tokenVariable, string keyVariable) => $$$"""
        _format_version: "3.0"
        services:
          - name: example-service
            url: {{{upstream}}}
            routes:
              - name: chat-route
                paths: [/chat]
                methods: [POST]
                plugins:
                  - name: ai-proxy
                    config:
                      route_type: llm/v1/chat
                      auth:
                        header_name: Authorization
                        header_value: Bearer ${{ env "{{{tokenVariable}}}" }}
                      model:
                        provider: openai
                        name: gpt-4
                        options:
                          upstream_url: {{{upstream}}}v1/chat/completions
            plugins:
              - name: key-auth
        consumers:
          - username: kong-air
            keyauth_credentials:
              - key: ${{ env "{{{keyVariable}}}" }}
        """;

    [Fact]
    public async Task Post_config_applies_the_seeds_file_and_the_proxy_serves_it()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        var (token, key) = Secrets();
        using var applied = await server.PostJsonAsync("/config", SeedFile(llm.Url, token.Name, key.Name), "application/yaml");
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync(Ct));

        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("apikey", key.Value);
        using var response = await proxy.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {token.Value}", llm.Requests.Single().Header("authorization"));
    }

    [Fact]
    public async Task The_node_that_applies_a_file_orders_it_as_every_node_that_loads_it()
    {
        await using var server = await store.StartAsync();

        // Six routes on one path from one file: created in the same second, they tie on Kong's rules, and the order
        // of the config decides which one serves /tie. The applying node must hold the order every other node loads.
        var routes = string.Concat("fedcba".Select(name => $"\n          - name: {name}\n            paths: [/tie]"));
        using (var applied = await server.PostJsonAsync("/config", $"_format_version: \"3.0\"\nservices:\n  - name: tied\n    url: http://127.0.0.1:9/\n    routes:{routes}\n", "application/yaml"))
        {
            Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync(Ct));
        }

        var loaded = await server.App.Services.GetRequiredService<GatewayStore>().LoadAsync(Ct);
        var held = server.App.Services.GetRequiredService<GatewayConfigService>().Current;
        Assert.Equal(6, loaded.Routes.Length);
        Assert.Equal(loaded.Routes.Select(r => r.Id), held.Routes.Select(r => r.Id));
        using var listed = JsonDocument.Parse(await server.GetStringAsync("/routes"));
        Assert.Equal(loaded.Routes.Select(r => r.Name), listed.RootElement.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task An_invalid_file_names_the_entity_and_field_and_changes_nothing()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        var (token, key) = Secrets();
        using (var first = await server.PostJsonAsync("/config", SeedFile(llm.Url, token.Name, key.Name), "application/yaml"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var version = await server.CountAsync("SELECT version FROM gateway_config");
        var broken = SeedFile(llm.Url, token.Name, key.Name).Replace("route_type: llm/v1/chat", "route_type: llm/v1/chatter", StringComparison.Ordinal)
            .Replace("paths: [/chat]", "paths: [chat]", StringComparison.Ordinal);
        using var refused = await server.PostJsonAsync("/config", broken, "application/yaml");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(14, body.GetProperty("code").GetInt32());
        var errors = body.GetProperty("flattened_errors").EnumerateArray()
            .SelectMany(e => e.GetProperty("errors").EnumerateArray().Select(f => $"{e.GetProperty("entity_name").GetString()} {f.GetProperty("field").GetString()}"))
            .ToList();
        Assert.Contains("route 'chat-route' paths[0]", errors);
        Assert.Contains(errors, e => e.Contains("config.route_type", StringComparison.Ordinal));
        Assert.Equal(version, await server.CountAsync("SELECT version FROM gateway_config"));
    }

    [Fact]
    public async Task Apply_dump_apply_is_stable()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await store.StartAsync();
        var (token, key) = Secrets();
        using (var first = await server.PostJsonAsync("/config", SeedFile(llm.Url, token.Name, key.Name), "application/yaml"))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var version = await server.CountAsync("SELECT version FROM gateway_config");
        var dumped = JsonDocument.Parse(await server.GetStringAsync("/config")).RootElement.GetProperty("config").GetString()!;
        Assert.Contains("_format_version: \"3.0\"", dumped, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Value, dumped, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Value, dumped, StringComparison.Ordinal);
        Assert.Contains("header_value: '[REDACTED]'", dumped, StringComparison.Ordinal);
        using (var again = await server.PostJsonAsync("/config", dumped, "application/yaml"))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        }

        Assert.Equal(version, await server.CountAsync("SELECT version FROM gateway_config"));
        Assert.Equal(dumped, JsonDocument.Parse(await server.GetStringAsync("/config")).RootElement.GetProperty("config").GetString());

        // The provider's key survived the round trip without ever being written out.
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent("""{"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", key.Value);
        using var response = await proxy.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {token.Value}", llm.Requests.Single().Header("authorization"));

        // A dump carries no secret, so on a store that has none it is refused, naming the field.
        await using var empty = await store.StartAsync();
        using var refused = await empty.PostJsonAsync("/config", dumped, "application/yaml");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("config.auth.header_value", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_config_commands_validate_apply_and_dump_and_serve_applies_a_file_at_start()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        var (token, key) = Secrets();
        var directory = TollgateServer.NewDataDirectory();
        var file = Path.Combine(directory, "kong.yaml");
        await File.WriteAllTextAsync(file, SeedFile(llm.Url, token.Name, key.Name), Ct);
        var options = new TollgateOptions { DataDirectory = directory, DatabaseUrl = store.NewDatabaseUrl() };

        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await TollgateHost.ConfigAsync(options, "validate", file, output, error));
        Assert.Equal("valid: 1 services, 1 routes, 1 consumers, 1 key-auth credentials, 0 consumer groups, 2 plugins", output.ToString().Trim());

        var broken = Path.Combine(directory, "broken.yaml");
        await File.WriteAllTextAsync(broken, "_format_version: \"3.0\"\nservices:\n  - name: x\n    url: http://example.test\n    colour: red\n", Ct);
        Assert.Equal(1, await TollgateHost.ConfigAsync(options, "validate", broken, output, error));
        Assert.Contains("service 'x': colour: unknown field", error.ToString(), StringComparison.Ordinal);

        Assert.Equal(0, await TollgateHost.ConfigAsync(options, "apply", file, output, error));
        var dump = Path.Combine(directory, "dump.yaml");
        Assert.Equal(0, await TollgateHost.ConfigAsync(options, "dump", dump, output, error));
        Assert.Contains("name: example-service", await File.ReadAllTextAsync(dump, Ct), StringComparison.Ordinal);

        // The stored config is served, and serve --config with the dump changes nothing.
        await using var server = await TollgateServer.StartAsync(directory, databaseUrl: options.DatabaseUrl, configFile: dump);
        Assert.Equal(1, await server.CountAsync("SELECT version FROM gateway_config"));
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        using var response = await proxy.GetAsync("/chat", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // the route takes POST only
        using var unauthorized = await proxy.PostAsync("/chat", new StringContent("{}"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    /// <summary>Two DECK_ variables unique to the test (tests run in parallel in one process).</summary>
    private static ((string Name, string Value) Token, (string Name, string Value) Key) Secrets()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var token = ($"DECK_OPENAI_TOKEN_{suffix}", $"sk-{suffix}");
        var key = ($"DECK_KONG_AIR_KEY_{suffix}", $"air-{suffix}");
        Environment.SetEnvironmentVariable(token.Item1, token.Item2);
        Environment.SetEnvironmentVariable(key.Item1, key.Item2);
        return (token, key);
    }
}

public sealed class DeclarativeConfigTestsOnSqlite() : DeclarativeConfigTests(TestStore.Sqlite);

public sealed class DeclarativeConfigTestsOnPostgres() : DeclarativeConfigTests(TestStore.Postgres);
