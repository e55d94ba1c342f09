using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tollgate.Gateway.Routing;
using Tollgate.Server.Tests.Gateway;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Gateway;

/// <summary>The gateway pages: services, routes, plugins, consumers with their keys, and the declarative config, as a person uses them.</summary>
public sealed class GatewayPagesTests(Chromium chromium)
{
    private const string ProviderSecret = "Bearer sk-console-provider-secret";
    private const string ConsumerKey = "kong-air-console-key";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_seeds_gateway_is_built_click_by_click_and_the_key_is_shown_once_and_authenticates()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync("gateway/services");
        await Expect(console.Heading("No services yet")).ToBeVisibleAsync();
        await console.StepAsync("no-services");
        await console.Link("New service").ClickAsync();
        await Expect(console.Heading("New service")).ToBeVisibleAsync();
        await console.Field("Name").FillAsync("example-service");
        await console.Field("Upstream URL").FillAsync("https://api.openai.com");
        await console.StepAsync("new-service");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("example-service")).ToBeVisibleAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Service created.");
        await Expect(console.Field("Upstream URL")).ToHaveValueAsync("https://api.openai.com");
        await console.StepAsync("service-created");

        await console.Link("Add a route").ClickAsync();
        await Expect(console.Heading("New route")).ToBeVisibleAsync();
        await Expect(console.Field("Service").Locator("option:checked")).ToHaveTextAsync("example-service");
        await console.Field("Name").FillAsync("chat-route");
        await console.Field("Paths").FillAsync("/chat");
        await console.Field("POST").CheckAsync();
        await console.StepAsync("new-route");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("chat-route")).ToBeVisibleAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Route created.");

        await console.Link("Add a plugin").ClickAsync();
        await Expect(console.Heading("New plugin")).ToBeVisibleAsync();
        await Expect(console.Field("Scope").Locator("option:checked")).ToHaveTextAsync("Route chat-route");
        await console.Field("Plugin").SelectOptionAsync("key-auth");
        await Expect(console.Field("Key names")).ToHaveValueAsync("apikey");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("key-auth · Route chat-route")).ToBeVisibleAsync();
        await console.StepAsync("key-auth-created");

        await console.GoToAsync("gateway/routes/chat-route");
        await console.Link("Add a plugin").ClickAsync();
        await console.Field("Plugin").SelectOptionAsync("ai-proxy");
        await Expect(console.Field("Route type")).ToHaveValueAsync("llm/v1/chat");
        await console.Field("Provider").SelectOptionAsync(new SelectOptionValue { Label = "OpenAI" });
        await console.Field("Model").FillAsync("gpt-4");
        await console.Field("Auth header name").FillAsync("Authorization");
        await console.Field("Auth header value").FillAsync(ProviderSecret);
        await console.Field("Upstream URL").FillAsync($"{llm.Url}v1/chat/completions");
        await console.StepAsync("new-ai-proxy");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("ai-proxy · Route chat-route")).ToBeVisibleAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Plugin created.");
        await Expect(console.Field("Model")).ToHaveValueAsync("gpt-4");
        await Expect(console.Field("Auth header value")).ToHaveValueAsync(string.Empty);
        await Expect(console.Field("Auth header value")).ToHaveAttributeAsync("type", "password");
        Assert.DoesNotContain("sk-console-provider-secret", await console.Page.ContentAsync(), StringComparison.Ordinal);
        await console.StepAsync("ai-proxy-created");

        await console.Sidebar("Consumers").ClickAsync();
        await Expect(console.Heading("No consumers yet")).ToBeVisibleAsync();
        await console.Link("New consumer").ClickAsync();
        await console.Field("Username").FillAsync("kong-air");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("kong-air")).ToBeVisibleAsync();
        await Expect(console.Page.GetByText("No keys yet: create one so this consumer can call routes protected by key-auth.")).ToBeVisibleAsync();
        await console.Field("Key").FillAsync(ConsumerKey);
        await console.Button("Create key").ClickAsync();
        var shown = console.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Copy this key now" });
        await Expect(shown).ToHaveAccessibleNameAsync("Copy this key now: it is not shown again.");
        await Expect(shown.GetByLabel("New key")).ToHaveTextAsync(ConsumerKey);
        await Expect(console.Field("Key")).ToHaveValueAsync(string.Empty);
        await Expect(console.Page.GetByRole(AriaRole.Table, new() { Name = "Keys" }).Locator("tbody tr")).ToHaveCountAsync(1);
        await console.StepAsync("key-shown-once");

        // Once the page is left, the key is gone for good: the list names keys by id only.
        await console.GoToAsync("gateway/consumers/kong-air");
        await Expect(console.Page.GetByRole(AriaRole.Table, new() { Name = "Keys" }).Locator("tbody tr")).ToHaveCountAsync(1);
        Assert.DoesNotContain(ConsumerKey, await console.Page.ContentAsync(), StringComparison.Ordinal);
        await console.StepAsync("key-not-shown-again");

        await console.Sidebar("Services").ClickAsync();
        await Expect(console.Page.Locator("tbody tr td")).ToHaveTextAsync(["example-service", "https://api.openai.com", "1", "ai-proxy, key-auth"]);
        await console.Sidebar("Plugins").ClickAsync();
        await Expect(console.Page.Locator("tbody tr td")).ToHaveTextAsync(
            ["ai-proxy", "Route chat-route", "Enabled", "Disable", "key-auth", "Route chat-route", "Enabled", "Disable"]);
        await console.StepAsync("plugins");
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Disable key-auth (Route chat-route)" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("key-auth (Route chat-route) disabled.");
        await Expect(console.Page.Locator("tbody tr").Nth(1).Locator("td").Nth(2)).ToHaveTextAsync("Disabled");
        Assert.False((await Json(server, "/plugins")).GetProperty("data").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "key-auth").GetProperty("enabled").GetBoolean());
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Enable key-auth (Route chat-route)" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("key-auth (Route chat-route) enabled.");

        // The admin API has each entity with the fields typed into the pages.
        var service = Single(await Json(server, "/services"));
        Assert.Equal(("example-service", "https", "api.openai.com", 443), (service.GetProperty("name").GetString(), service.GetProperty("protocol").GetString(), service.GetProperty("host").GetString(), service.GetProperty("port").GetInt32()));
        var route = Single(await Json(server, "/routes"));
        Assert.Equal("chat-route", route.GetProperty("name").GetString());
        Assert.Equal("""["/chat"]""", route.GetProperty("paths").GetRawText());
        Assert.Equal("""["POST"]""", route.GetProperty("methods").GetRawText());
        Assert.True(route.GetProperty("strip_path").GetBoolean());
        Assert.Equal(service.GetProperty("id").GetGuid(), route.GetProperty("service").GetProperty("id").GetGuid());
        var plugins = (await Json(server, "/plugins")).GetProperty("data").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["ai-proxy", "key-auth"], plugins.Keys.Order(StringComparer.Ordinal));
        Assert.All(plugins.Values, p => Assert.Equal(route.GetProperty("id").GetGuid(), p.GetProperty("route").GetProperty("id").GetGuid()));
        Assert.All(plugins.Values, p => Assert.True(p.GetProperty("enabled").GetBoolean()));
        Assert.Equal("""["apikey"]""", plugins["key-auth"].GetProperty("config").GetProperty("key_names").GetRawText());
        var ai = plugins["ai-proxy"].GetProperty("config");
        Assert.Equal("llm/v1/chat", ai.GetProperty("route_type").GetString());
        Assert.Equal("openai", ai.GetProperty("model").GetProperty("provider").GetString());
        Assert.Equal("gpt-4", ai.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal($"{llm.Url}v1/chat/completions", ai.GetProperty("model").GetProperty("options").GetProperty("upstream_url").GetString());
        Assert.Equal("Authorization", ai.GetProperty("auth").GetProperty("header_name").GetString());
        Assert.Equal("[REDACTED]", ai.GetProperty("auth").GetProperty("header_value").GetString());
        var stored = server.App.Services.GetRequiredService<GatewayConfigService>().Current.Plugins.Single(p => p.Name == "ai-proxy");
        Assert.Equal(ProviderSecret, stored.Config["auth"]!["header_value"]!.GetValue<string>());
        var key = Single(await Json(server, "/consumers/kong-air/key-auth"));
        Assert.Equal("kong…", key.GetProperty("key").GetString());

        // A request through the proxy with the consumer's key reaches the provider with the provider's key.
        using var proxy = new HttpClient { BaseAddress = server.ProxyUrl };
        const string Chat = """{"model":"gpt-4","messages":[{"role":"user","content":"Say this is a test!"}]}""";
        using var anonymous = await proxy.PostAsync("/chat", new StringContent(Chat, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = new StringContent(Chat, Encoding.UTF8, "application/json") };
        request.Headers.Add("apikey", ConsumerKey);
        using var response = await proxy.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var received = Assert.Single(llm.Requests);
        Assert.Equal(ProviderSecret, received.Header("authorization"));
        Assert.Equal("kong-air", received.Header("x-consumer-username"));
    }

    [Fact]
    public async Task A_refused_upstream_url_is_shown_at_its_field_and_nothing_is_stored()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("gateway/services/new");
        await console.Field("Name").FillAsync("example-service");
        await console.Field("Upstream URL").FillAsync("not a url");
        await console.Button("Save").ClickAsync();

        await Expect(console.Field("Upstream URL")).ToHaveAccessibleDescriptionAsync("expected an absolute http or https URL");
        await Expect(console.Field("Upstream URL")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(console.Field("Name")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(console.Heading("New service")).ToBeVisibleAsync();
        await console.StepAsync("url-refused");
        Assert.Equal(0, (await Json(server, "/services")).GetProperty("data").GetArrayLength());

        // Fixing the field saves it.
        await console.Field("Upstream URL").FillAsync("https://api.openai.com/v1");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("example-service")).ToBeVisibleAsync();
        Assert.Equal("/v1", Single(await Json(server, "/services")).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Deleting_a_service_asks_first_and_shows_Kongs_refusal_while_a_route_uses_it()
    {
        await using var server = await TollgateServer.StartAsync();
        await ProxyTests.Admin(server, "/services", """{"name":"example-service","url":"https://api.openai.com"}""");
        await ProxyTests.Admin(server, "/services/example-service/routes", """{"name":"chat-route","paths":["/chat"]}""");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("gateway/services/example-service");
        await Expect(console.Page.GetByRole(AriaRole.Link, new() { Name = "chat-route" })).ToBeVisibleAsync();

        await console.Button("Delete").ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Delete service example-service?");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await console.StepAsync("confirm-delete");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        using (var kept = await server.GetAsync("/services/example-service"))
        {
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }

        await console.Button("Delete").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete service" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(
            "Kong refused to delete it: an existing 'routes' entity references this 'services' entity. Delete or move its routes first.");
        await console.StepAsync("delete-refused");
        using (var still = await server.GetAsync("/services/example-service"))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        // Without its route, the service goes.
        await console.Page.GetByRole(AriaRole.Link, new() { Name = "chat-route" }).ClickAsync();
        await Expect(console.Heading("chat-route")).ToBeVisibleAsync();
        await console.Button("Delete").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete route" }).ClickAsync();
        await Expect(console.Heading("Routes")).ToBeVisibleAsync();
        await Expect(console.Heading("No routes yet")).ToBeVisibleAsync();
        await console.GoToAsync("gateway/services/example-service");
        await console.Button("Delete").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete service" }).ClickAsync();
        await Expect(console.Heading("No services yet")).ToBeVisibleAsync();
        Assert.Equal(0, (await Json(server, "/services")).GetProperty("data").GetArrayLength());
        Assert.Equal(0, (await Json(server, "/routes")).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task A_routes_paths_are_edited_and_a_bad_path_is_refused_at_its_field()
    {
        await using var server = await TollgateServer.StartAsync();
        await ProxyTests.Admin(server, "/services", """{"name":"example-service","url":"https://api.openai.com"}""");
        await ProxyTests.Admin(server, "/services/example-service/routes", """{"name":"chat-route","paths":["/chat"],"methods":["POST"]}""");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("gateway/routes");
        await Expect(console.Page.Locator("tbody tr td")).ToHaveTextAsync(["chat-route", "example-service", "/chat", "POST", "Yes"]);
        await console.Link("chat-route").ClickAsync();
        await Expect(console.Field("Paths")).ToHaveValueAsync("/chat");
        await Expect(console.Field("POST")).ToBeCheckedAsync();

        await console.Field("Paths").FillAsync("chat");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Paths")).ToHaveAccessibleDescriptionAsync("should start with: / (fixed path) or ~/ (regex path)");
        await console.StepAsync("bad-path");
        Assert.Equal("""["/chat"]""", (await Json(server, "/routes/chat-route")).GetProperty("paths").GetRawText());

        await console.Field("Paths").FillAsync("/chat\n/v1/chat/completions");
        await console.Field("Strip path").UncheckAsync();
        await console.Button("Save").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Route saved.");
        await Expect(console.Field("Paths")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await console.StepAsync("paths-saved");
        var route = await Json(server, "/routes/chat-route");
        Assert.Equal("""["/chat","/v1/chat/completions"]""", route.GetProperty("paths").GetRawText());
        Assert.Equal("""["POST"]""", route.GetProperty("methods").GetRawText());
        Assert.False(route.GetProperty("strip_path").GetBoolean());
    }

    [Fact]
    public async Task The_declarative_config_shows_what_exists_refuses_an_invalid_file_whole_and_applies_a_valid_one()
    {
        await using var server = await TollgateServer.StartAsync();
        await ProxyTests.Admin(server, "/services", """{"name":"example-service","url":"https://api.openai.com"}""");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("gateway/config");
        var current = console.Page.Locator("pre");
        await Expect(current).ToContainTextAsync("name: example-service");
        await Expect(current).ToContainTextAsync("host: api.openai.com");
        await Expect(console.Page.GetByText("Version 1: 1 service, 0 routes, 0 consumers, 0 keys, 0 consumer groups, 0 plugins")).ToBeVisibleAsync();
        await Expect(console.Link("Download")).ToHaveAttributeAsync("download", "kong.yaml");
        await console.StepAsync("current-config");

        const string Invalid = """
            _format_version: "3.0"
            services:
              - name: other-service
                url: https://example.test
                routes:
                  - name: other-route
                    paths: [other]
            """;
        await console.Field("decK file").FillAsync(Invalid);
        await console.Button("Apply").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Apply file" }).ClickAsync();
        var errors = console.Page.GetByRole(AriaRole.Table, new() { Name = "Errors" });
        await Expect(errors.Locator("tbody tr")).ToHaveTextAsync(["route 'other-route'paths[0]should start with: / (fixed path) or ~/ (regex path)"]);
        await Expect(console.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("1 error: nothing was changed.");
        await console.StepAsync("invalid-file");
        Assert.Equal("example-service", Single(await Json(server, "/services")).GetProperty("name").GetString());

        await console.Field("decK file").FillAsync(Invalid.Replace("[other]", "[/other]", StringComparison.Ordinal));
        await console.Button("Validate").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The file is valid: 1 service, 1 route, 0 consumers, 0 keys, 0 consumer groups, 0 plugins.");
        Assert.Equal("example-service", Single(await Json(server, "/services")).GetProperty("name").GetString());

        await console.Button("Apply").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Apply file" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Applied: version 2, 1 service, 1 route, 0 consumers, 0 keys, 0 consumer groups, 0 plugins.");
        await Expect(current).ToContainTextAsync("name: other-service");
        await Expect(current).Not.ToContainTextAsync("example-service");
        await console.StepAsync("applied");
        Assert.Equal("other-service", Single(await Json(server, "/services")).GetProperty("name").GetString());
        Assert.Equal("""["/other"]""", Single(await Json(server, "/routes")).GetProperty("paths").GetRawText());
    }

    [Fact]
    public async Task Editing_an_ai_proxy_plugin_keeps_its_stored_secret_unseen_and_deleting_it_asks_first()
    {
        await using var server = await TollgateServer.StartAsync();
        await ProxyTests.Admin(server, "/services", """{"name":"example-service","url":"https://api.openai.com"}""");
        await ProxyTests.Admin(server, "/services/example-service/routes", """{"name":"chat-route","paths":["/chat"]}""");
        var created = await ProxyTests.Admin(server, "/routes/chat-route/plugins", $$"""
            {"name":"ai-proxy","config":{"route_type":"llm/v1/chat","auth":{"header_name":"Authorization","header_value":"{{ProviderSecret}}"},
             "model":{"provider":"openai","name":"gpt-4"} } }
            """);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("gateway/plugins");
        await console.Link("ai-proxy").ClickAsync();
        await Expect(console.Heading("ai-proxy · Route chat-route")).ToBeVisibleAsync();
        await Expect(console.Field("Plugin")).ToBeDisabledAsync();
        await Expect(console.Field("Model")).ToHaveValueAsync("gpt-4");
        await Expect(console.Field("Auth header name")).ToHaveValueAsync("Authorization");
        await Expect(console.Field("Auth header value")).ToHaveValueAsync(string.Empty);
        Assert.DoesNotContain("sk-console-provider-secret", await console.Page.ContentAsync(), StringComparison.Ordinal);

        await console.Field("Model").FillAsync("gpt-4o");
        await console.Field("Enabled").UncheckAsync();
        await console.Button("Save").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Plugin saved.");
        await console.StepAsync("plugin-saved");
        var stored = server.App.Services.GetRequiredService<GatewayConfigService>().Current.FindPlugin(created.GetProperty("id").GetString()!)!;
        Assert.Equal("gpt-4o", stored.Config["model"]!["name"]!.GetValue<string>());
        Assert.Equal(ProviderSecret, stored.Config["auth"]!["header_value"]!.GetValue<string>());
        Assert.False(stored.Enabled);

        await console.Button("Delete").ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Delete plugin ai-proxy?");
        await console.Page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Single((await Json(server, "/plugins")).GetProperty("data").EnumerateArray());
        await console.Button("Delete").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete plugin" }).ClickAsync();
        await Expect(console.Heading("No plugins yet")).ToBeVisibleAsync();
        Assert.Empty((await Json(server, "/plugins")).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task At_phone_width_the_lists_and_forms_stay_usable()
    {
        await using var server = await TollgateServer.StartAsync();
        await ProxyTests.Admin(server, "/services", """{"name":"example-service","url":"https://api.openai.com"}""");
        await ProxyTests.Admin(server, "/services/example-service/routes", """{"name":"chat-route","paths":["/chat"],"methods":["POST"]}""");
        await ProxyTests.Admin(server, "/consumers", """{"username":"kong-air","custom_id":"kong-air-4711"}""");
        await ProxyTests.Admin(server, "/consumers/kong-air/key-auth", "{}");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server, width: 390, height: 844);

        await console.GoToAsync("gateway/consumers");
        var cells = console.Page.Locator("tbody tr td");
        await Expect(cells.Nth(0)).ToHaveTextAsync("kong-air");
        await Expect(cells.Nth(1)).ToHaveTextAsync("kong-air-4711");
        await Expect(cells.Nth(2)).ToHaveTextAsync("1");
        await console.StepAsync("consumers-phone");
        await console.Link("kong-air").ClickAsync();
        await Expect(console.Field("Custom ID")).ToHaveValueAsync("kong-air-4711");
        await console.Button("Create key").ClickAsync();
        var shown = console.Page.Locator(".secret");
        await Expect(shown).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z0-9_-]{32}$"));
        await Expect(console.Page.GetByRole(AriaRole.Table, new() { Name = "Keys" }).Locator("tbody tr")).ToHaveCountAsync(2);
        await console.StepAsync("consumer-phone");
        Assert.True(await console.Page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390, "the consumer page is wider than the phone");

        // The generated key is the one stored: it authenticates through key-auth on the route.
        var generated = await shown.TextContentAsync();
        await ProxyTests.Admin(server, "/routes/chat-route/plugins", """{"name":"key-auth"}""");
        Assert.Equal(2, (await Json(server, "/consumers/kong-air/key-auth")).GetProperty("data").GetArrayLength());
        var config = server.App.Services.GetRequiredService<GatewayConfigService>().Current;
        Assert.Contains(config.KeyAuthCredentials, c => c.KeyHash == Tollgate.Gateway.Entities.KeyAuthKeys.Hash(generated!));

        await console.GoToAsync("gateway/services/example-service");
        await Expect(console.Button("Save")).ToBeVisibleAsync();
        await console.StepAsync("service-phone");
        var width = await console.Page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width}px wide at 390px");
    }

    private static async Task<JsonElement> Json(TollgateServer server, string path) => JsonDocument.Parse(await server.GetStringAsync(path)).RootElement.Clone();

    private static JsonElement Single(JsonElement page) => Assert.Single(page.GetProperty("data").EnumerateArray().ToList());
}
