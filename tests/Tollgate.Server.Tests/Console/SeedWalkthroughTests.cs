using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Tollgate.Server.Tests.Console.Billing;
using Tollgate.Server.Tests.Infrastructure;
using Tollgate.Server.Tests.Infrastructure.FakeLlm;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console;

/// <summary>
/// The seed "Meter LLM traffic" click by click in the console, from an empty store to the invoice preview, with the
/// seed's words: the AI Proxy prerequisite as a decK file, the consumer and its key, AI Gateway Tokens, the ai-token
/// feature filtered to OpenAI, the Token plan, Kong Air and its subscription, six calls through the gateway with the
/// seed's request, and Preview Invoice showing the ai-token line with exactly the tokens the provider reported and
/// their price rounded to cents. Run at laptop and phone width, and on PostgreSQL.
/// </summary>
public abstract class SeedWalkthroughTests(Chromium chromium, TestStore store, int width, int height)
{
    /// <summary>The seed's literal request body.</summary>
    private const string SeedBody = """{"model":"gpt-4","messages":[{"role":"user","content":"Say this is a test!"}]}""";

    private const int Calls = 6;

    /// <summary>42 words: with the seed's 8 prompt tokens a call costs 50 tokens, so six calls are 300 tokens, $0.006, billed as $0.01.</summary>
    private static readonly string Reply = string.Concat(Enumerable.Repeat("This is a test! ", 10)) + "Kong Air";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_seed_from_an_empty_store_to_the_invoice_preview()
    {
        await using var llm = await FakeLlmUpstream.StartAsync();
        llm.Behaviour = new UpstreamBehaviour { ReplyText = Reply };
        await using var server = await store.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server, width, height);
        await console.GoToAsync("/");
        await console.StepAsync("empty-store");

        // Prerequisite "Configure AI Proxy": the seed applies it with decK; the console takes the same file.
        await console.NavigateAsync("Declarative config");
        await console.Field("decK file").FillAsync(AiProxyDeck(llm));
        await console.StepAsync("deck-file");
        await console.Button("Apply").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Apply file" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 service, 1 route, 0 consumers, 0 keys, 0 consumer groups, 2 plugins");
        await console.StepAsync("deck-applied");

        // Create a Consumer: kong-air, with a key for key-auth.
        await console.NavigateAsync("Consumers");
        await console.Link("New consumer").ClickAsync();
        await console.Field("Username").FillAsync("kong-air");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("kong-air")).ToBeVisibleAsync();
        await console.Button("Create key").ClickAsync();
        var newKey = console.Page.GetByLabel("New key");
        await Expect(newKey).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\S{16,}$"));
        var consumerKey = (await newKey.InnerTextAsync()).Trim();
        await console.StepAsync("consumer-key");

        // Create a meter: Metering & Billing, enable AI Gateway Tokens.
        await console.NavigateAsync("Metering & Billing");
        var tokens = console.Page.GetByRole(AriaRole.Switch, new() { Name = "AI Gateway Tokens", Exact = true });
        await Expect(tokens).ToHaveAttributeAsync("aria-checked", "false");
        await tokens.ClickAsync();
        await Expect(tokens).ToHaveAttributeAsync("aria-checked", "true");
        await Expect(console.Page.GetByRole(AriaRole.Cell, new() { Name = "kong_konnect_llm_tokens", Exact = true })).ToBeVisibleAsync();
        await console.StepAsync("ai-gateway-tokens");

        // Create a feature: ai-token on AI Gateway Tokens, grouped by Provider equals OpenAI.
        await console.NavigateAsync("Product Catalog");
        await console.Button("Create Feature").ClickAsync();
        await console.Field("Name").FillAsync("ai-token");
        await console.Field("Meter").SelectOptionAsync(new SelectOptionValue { Label = "AI Gateway Tokens" });
        await console.Button("Add group by filter").ClickAsync();
        await console.Field("Group by").SelectOptionAsync(new SelectOptionValue { Label = "Provider" });
        await console.Field("Operator").SelectOptionAsync(new SelectOptionValue { Label = "Equals" });
        var value = console.Page.GetByRole(AriaRole.Combobox, new() { Name = "Value", Exact = true });
        await value.FillAsync("OpenAI");
        await Expect(value).ToHaveAccessibleDescriptionAsync("provider = openai");
        await console.StepAsync("feature");
        await console.Button("Save").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Feature ai-token created.");

        // Create a Plan and Rate Card: Token, 1 month; ai-token, Usage Based at 0.00002, Boolean; Publish Plan.
        await console.Tab("Plans").ClickAsync();
        await console.Button("Create Plan").ClickAsync();
        await console.Field("Name").FillAsync("Token");
        await console.Field("Billing cadence").SelectOptionAsync(new SelectOptionValue { Label = "1 month" });
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Token")).ToBeVisibleAsync();
        await console.Button("Add Rate Card").ClickAsync();
        await console.Field("Feature").SelectOptionAsync(new SelectOptionValue { Label = "ai-token" });
        await console.Button("Next").ClickAsync();
        await console.Field("Pricing model").SelectOptionAsync(new SelectOptionValue { Label = "Usage Based" });
        await console.Field("Price per unit").FillAsync("0.00002");
        await console.Button("Next").ClickAsync();
        var boolean = console.Page.GetByRole(AriaRole.Radio, new() { Name = "Boolean", Exact = true });
        await Expect(boolean).ToHaveAccessibleDescriptionAsync("— access to the feature, on or off");
        await boolean.CheckAsync();
        await console.StepAsync("rate-card");
        await console.Button("Save Rate Card").ClickAsync();
        await console.Button("Publish Plan").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status, new() { Name = "Status: active" })).ToBeVisibleAsync();
        await console.StepAsync("plan-published");

        // Start a subscription: Billing, Create Customer Kong Air including usage from kong-air; Create a Subscription.
        await console.NavigateAsync("Billing");
        await console.Button("Create Customer").ClickAsync();
        await console.Field("Name").FillAsync("Kong Air");
        await console.Field("Include usage from").SelectOptionAsync(new SelectOptionValue { Label = "kong-air" });
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Kong Air")).ToBeVisibleAsync();
        await console.Tab("Subscriptions").ClickAsync();
        await console.Button("Create a Subscription").ClickAsync();
        await console.Field("Subscribed Plan").SelectOptionAsync(new SelectOptionValue { Label = "Token" });
        await console.Button("Next").ClickAsync();
        await console.Button("Create Subscription").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Kong Air is subscribed to Token.");
        await console.StepAsync("subscribed");

        // Validate: the seed's request through the gateway, six times, with the consumer's key as an OpenAI client sends it.
        using var client = new HttpClient { BaseAddress = server.ProxyUrl };
        for (var call = 0; call < Calls; call++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat") { Content = new StringContent(SeedBody, Encoding.UTF8, "application/json") };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", consumerKey);
            using var response = await client.SendAsync(request, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"call {call + 1} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }

        var perCall = FakeLlmUpstream.PromptTokens(JsonNode.Parse(SeedBody)!) + FakeLlmUpstream.CompletionTokens(Reply);
        Assert.Equal(50, perCall);
        Assert.Equal(Calls, llm.Requests.Count);
        using var customer = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air"));
        var customerId = customer.RootElement.GetProperty("id").GetString()!;
        await BillingSetup.WaitForUsageAsync(server, customerId, Calls * perCall);

        // Billing, the Invoices tab, Kong Air, the Invoicing tab, Preview Invoice: ai-token, 300 tokens, $0.01.
        await console.NavigateAsync("Billing");
        await console.Tab("Invoices").ClickAsync();
        await console.Link("Kong Air").ClickAsync();
        await console.Tab("Invoicing").ClickAsync();
        await console.Button("Preview Invoice").ClickAsync();
        var lines = console.Page.GetByRole(AriaRole.Table, new() { Name = "Lines" });
        var aiToken = lines.GetByRole(AriaRole.Row).Filter(new() { Has = console.Page.GetByRole(AriaRole.Cell, new() { Name = "ai-token", Exact = true }) });
        await Expect(aiToken.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["ai-token", "300", "$0.00002", "$0.01"]);
        await Expect(lines.GetByRole(AriaRole.Row, new() { Name = "Total $0.01", Exact = true })).ToBeVisibleAsync();
        await console.StepAsync("invoice-preview");

        // The page says what the API's preview says.
        var preview = await BillingSetup.PreviewAsync(server, customerId);
        var line = Assert.Single(preview.GetProperty("lines").EnumerateArray());
        Assert.Equal("ai-token", line.GetProperty("name").GetString());
        Assert.Equal(300m, BillingSetup.Decimal(line.GetProperty("quantity")));
        Assert.Equal(Math.Round(300 * 0.00002m, 2, MidpointRounding.AwayFromZero), BillingSetup.Decimal(preview.GetProperty("totals").GetProperty("total")));
    }

    /// <summary>The seed's AI Proxy prerequisite as a decK file: example-service, its /chat route, key-auth and ai-proxy for OpenAI (here the local stand-in).</summary>
    private static string AiProxyDeck(FakeLlmUpstream llm) => $"""
        _format_version: "3.0"
        services:
          - name: example-service
            url: https://api.openai.com
            routes:
              - name: chat-route
                paths: [/chat]
                plugins:
                  - name: key-auth
                  - name: ai-proxy
                    config:
                      route_type: llm/v1/chat
                      auth: {"{"}header_name: Authorization, header_value: Bearer sk-seed-provider-key{"}"}
                      model:
                        provider: openai
                        name: gpt-4
                        options: {"{"}upstream_url: "{llm.Url}v1/chat/completions"{"}"}
        """;
}

public sealed class SeedWalkthroughOnSqlite(Chromium chromium) : SeedWalkthroughTests(chromium, TestStore.Sqlite, 1280, 900);

public sealed class SeedWalkthroughOnSqliteAtPhoneWidth(Chromium chromium) : SeedWalkthroughTests(chromium, TestStore.Sqlite, 390, 844);

public sealed class SeedWalkthroughOnPostgres(Chromium chromium) : SeedWalkthroughTests(chromium, TestStore.Postgres, 1280, 900);
