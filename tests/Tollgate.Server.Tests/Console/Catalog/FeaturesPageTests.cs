using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Catalog;

/// <summary>The Features tab: the seed's "Create Feature" with its group-by filter, the value picker, errors, archiving.</summary>
public sealed class FeaturesPageTests(Chromium chromium)
{
    [Fact]
    public async Task The_seeds_feature_filters_AI_Gateway_Tokens_by_provider_OpenAI()
    {
        await using var server = await TollgateServer.StartAsync();
        await CatalogSteps.EnableAiGatewayTokensAsync(server);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("/");
        await console.Sidebar("Metering & Billing").ClickAsync();
        await console.Sidebar("Product Catalog").ClickAsync();
        await Expect(console.Heading("Product Catalog")).ToBeVisibleAsync();
        await Expect(console.Tab("Features")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(console.Heading("No features yet")).ToBeVisibleAsync();
        await console.StepAsync("features-empty");

        await console.Button("Create Feature").ClickAsync();
        await console.Field("Name").FillAsync("ai-token");
        await Expect(console.Field("Name")).ToHaveAccessibleDescriptionAsync("Its key: ai-token");
        await console.Field("Meter").SelectOptionAsync(new SelectOptionValue { Label = "AI Gateway Tokens" });
        await console.Button("Add group by filter").ClickAsync();
        await console.Field("Group by").SelectOptionAsync(new SelectOptionValue { Label = "Provider" });
        await console.Field("Operator").SelectOptionAsync(new SelectOptionValue { Label = "Equals" });
        var value = console.Page.GetByRole(AriaRole.Combobox, new() { Name = "Value", Exact = true });
        await value.ClickAsync();

        // Before any traffic the picker still knows the providers the gateway serves, by their names.
        var options = console.Page.GetByRole(AriaRole.Listbox, new() { Name = "Values of provider" }).GetByRole(AriaRole.Option);
        await Expect(options).ToHaveTextAsync([new Regex("^OpenAI"), new Regex("^Azure OpenAI"), new Regex("^Anthropic"), new Regex("^Mistral"), new Regex("^Llama 2")]);
        await value.FillAsync("OpenAI");
        await Expect(value).ToHaveAccessibleDescriptionAsync("provider = openai");
        await console.StepAsync("feature-form-filled");

        await console.Button("Save").ClickAsync();
        var row = console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "ai-token" });
        await Expect(row.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["ai-token", "ai-token", "AI Gateway Tokens", "provider = openai", "Archive"]);
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Feature ai-token created.");
        await console.StepAsync("feature-listed");

        var features = await CatalogSteps.GetAsync(server, "/api/v1/features");
        var feature = Assert.Single(features.EnumerateArray());
        Assert.Equal("ai-token", feature.GetProperty("key").GetString());
        Assert.Equal("ai-token", feature.GetProperty("name").GetString());
        Assert.Equal(CatalogSteps.Meter, feature.GetProperty("meterSlug").GetString());
        Assert.Equal("""{"provider":"openai"}""", feature.GetProperty("meterGroupByFilters").GetRawText());
        Assert.False(feature.TryGetProperty("advancedMeterGroupByFilters", out _));
    }

    [Fact]
    public async Task The_value_picker_offers_the_values_the_meter_has_seen()
    {
        await using var server = await TollgateServer.StartAsync();
        await CatalogSteps.EnableAiGatewayTokensAsync(server);
        var time = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await Events.IngestAsync(server, Events.Batch(
        [
            Events.Event("v1", "kong-air", time, """{"tokens":12,"type":"request","provider":"my-vllm","model":"llama-3","consumer":"kong-air"}""", type: "kong.llm_request"),
        ]));
        await WaitForValueAsync(server, "provider", "my-vllm");

        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("metering/catalog");
        await console.Button("Create Feature").ClickAsync();
        await console.Field("Name").FillAsync("vllm-tokens");
        await console.Field("Meter").SelectOptionAsync(new SelectOptionValue { Label = "AI Gateway Tokens" });
        await console.Button("Add group by filter").ClickAsync();
        await console.Field("Group by").SelectOptionAsync(new SelectOptionValue { Label = "Provider" });
        var value = console.Page.GetByRole(AriaRole.Combobox, new() { Name = "Value", Exact = true });
        await value.FillAsync("vllm");
        var options = console.Page.GetByRole(AriaRole.Listbox, new() { Name = "Values of provider" }).GetByRole(AriaRole.Option);
        await Expect(options).ToHaveTextAsync([new Regex("^my-vllm\\s*seen in usage$")]);
        await console.StepAsync("seen-value-offered");
        await options.First.ClickAsync();
        await Expect(value).ToHaveValueAsync("my-vllm");
        await Expect(value).ToHaveAccessibleDescriptionAsync("provider = my-vllm");

        // Model values come from what the meter saw as well.
        await console.Button("Add group by filter").ClickAsync();
        await console.Page.Locator("#filter-1-key").SelectOptionAsync(new SelectOptionValue { Label = "Model" });
        await console.Page.Locator("#filter-1-operator").SelectOptionAsync(new SelectOptionValue { Label = "Does not equal" });
        await console.Page.Locator("#filter-1-value").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Listbox, new() { Name = "Values of model" }).GetByRole(AriaRole.Option)).ToHaveTextAsync([new Regex("^llama-3")]);
        await console.Page.Locator("#filter-1-value").FillAsync("llama-3");
        await console.Button("Save").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "vllm-tokens" }).GetByRole(AriaRole.Cell).Nth(3)).ToHaveTextAsync("provider = my-vllm, model ≠ llama-3");

        var feature = Assert.Single((await CatalogSteps.GetAsync(server, "/api/v1/features")).EnumerateArray());
        Assert.Equal("""{"provider":"my-vllm"}""", feature.GetProperty("meterGroupByFilters").GetRawText());
        Assert.Equal("""{"model":{"$ne":"llama-3"}}""", feature.GetProperty("advancedMeterGroupByFilters").GetRawText());
    }

    [Fact]
    public async Task A_name_already_used_as_a_key_is_refused_at_the_name_and_a_feature_is_archived_after_confirming()
    {
        await using var server = await TollgateServer.StartAsync();
        await CatalogSteps.EnableAiGatewayTokensAsync(server);
        await CatalogSteps.CreateAiTokenFeatureAsync(server);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("metering/catalog");
        await console.Button("Create Feature").ClickAsync();
        await console.Field("Name").FillAsync("ai-token");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Name")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(console.Field("Name")).ToHaveAccessibleDescriptionAsync("Its key: ai-token a feature with key \"ai-token\" already exists; archive it first to reuse the key");
        await console.StepAsync("name-taken");

        await console.Field("Name").FillAsync("AI Token!");
        await console.Button("Save").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Feature AI Token! created.");
        await Expect(console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "AI Token!" }).GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("ai_token");

        await console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "AI Token!" }).GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Archive feature AI Token!?");
        await console.StepAsync("confirm-archive");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Feature AI Token! archived.");
        await Expect(console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "AI Token!" })).ToHaveCountAsync(0);
        var keys = (await CatalogSteps.GetAsync(server, "/api/v1/features")).EnumerateArray().Select(f => f.GetProperty("key").GetString());
        Assert.Equal(["ai-token"], keys);
    }

    private static async Task WaitForValueAsync(TollgateServer server, string key, string expected)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var values = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{CatalogSteps.Meter}/group-by/{key}/values"));
            if (values.RootElement.EnumerateArray().Any(v => v.GetString() == expected))
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the meter never saw {key} {expected}");
    }
}
