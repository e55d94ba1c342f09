using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Tollgate.Metering.Meters;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Metering;

/// <summary>The Meters page (the seed's "Enable AI Gateway Tokens"), creating and deleting meters, and a meter's usage chart.</summary>
public sealed class MetersPageTests(Chromium chromium)
{
    private const string Slug = "kong_konnect_llm_tokens";

    [Fact]
    public async Task Enabling_AI_Gateway_Tokens_creates_the_built_in_meter()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("/");
        await console.Sidebar("Metering & Billing").ClickAsync();
        await Expect(console.Heading("Metering & Billing")).ToBeVisibleAsync();
        var toggle = console.Page.GetByRole(AriaRole.Switch, new() { Name = "AI Gateway Tokens", Exact = true });
        await Expect(toggle).ToHaveAttributeAsync("aria-checked", "false");
        await Expect(console.Heading("No meters yet")).ToBeVisibleAsync();
        await console.StepAsync("meters-empty");

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-checked", "true");
        var row = console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = Slug });
        await Expect(row.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["AI Gateway Tokens", Slug, "SUM", "kong.llm_request", "consumer, model, provider, route, service, type", "Delete"]);
        await console.StepAsync("ai-gateway-tokens-enabled");

        var meter = server.App.Services.GetRequiredService<MeterCatalog>().Current.Find(Slug);
        Assert.NotNull(meter);
        Assert.Equal("AI Gateway Tokens", meter.Meter.Name);
        using var listed = JsonDocument.Parse(await server.GetStringAsync("/api/v1/meters"));
        Assert.Equal([Slug], listed.RootElement.EnumerateArray().Select(m => m.GetProperty("slug").GetString()));

        // The same page under its own address says Meters.
        await console.Sidebar("Meters").ClickAsync();
        await Expect(console.Heading("Meters")).ToBeVisibleAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-checked", "true");
    }

    [Fact]
    public async Task A_meter_is_created_with_errors_at_its_fields_and_deleted_after_confirming()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("metering/meters");
        await console.Button("Create meter").ClickAsync();
        await console.Field("Slug").FillAsync("Tokens Total");
        await console.Field("Event type").FillAsync("prompt");
        await console.Field("Value property").FillAsync("$.tokens");
        await console.Field("Group by").FillAsync("model = $.model\ntype = $.type");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Slug")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(console.Field("Slug")).ToHaveAccessibleDescriptionAsync("must be 1 to 64 lowercase letters, digits and single underscores between them, such as tokens_total");
        await console.StepAsync("slug-refused");

        await console.Field("Slug").FillAsync("tokens_total");
        await console.Field("Name").FillAsync("Tokens");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Tokens")).ToBeVisibleAsync();
        await Expect(console.Heading("No usage in this range")).ToBeVisibleAsync();
        await console.StepAsync("meter-page-empty");
        var meter = server.App.Services.GetRequiredService<MeterCatalog>().Current.Find("tokens_total");
        Assert.NotNull(meter);
        Assert.Equal(["model", "type"], meter.GroupKeys);
        Assert.Equal("$.tokens", meter.Meter.ValueProperty);

        await console.Sidebar("Meters").ClickAsync();
        await console.Button("Delete").ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog).ToContainTextAsync("Delete meter Tokens?");
        await console.StepAsync("confirm-delete");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(console.Heading("No meters yet")).ToBeVisibleAsync();
        Assert.Null(server.App.Services.GetRequiredService<MeterCatalog>().Current.Find("tokens_total"));
    }

    [Fact]
    public async Task A_meters_chart_shows_its_usage_per_window_and_group()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T12:30:00Z", CultureInfo.InvariantCulture));
        await using var server = await TollgateServer.StartAsync(time: clock);
        using (var enabled = await server.PostJsonAsync($"/api/v1/builtin-meters/{Slug}", "{}"))
        {
            Assert.Equal(HttpStatusCode.Created, enabled.StatusCode);
        }

        await Events.IngestAsync(server, Events.Batch(
        [
            LlmEvent("e1", "2026-03-10T09:10:00Z", 1000, "openai", "request"),
            LlmEvent("e2", "2026-03-10T09:40:00Z", 250, "openai", "response"),
            LlmEvent("e3", "2026-03-10T11:05:00Z", 500, "anthropic", "request"),
            LlmEvent("e4", "2026-03-10T11:59:00Z", 40, "openai", "request"),
            LlmEvent("old", "2026-03-01T08:00:00Z", 7, "openai", "request"),
        ]));
        await WaitForTotalAsync(server, 1797m);

        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync($"metering/meters/{Slug}");
        await Expect(console.Heading("AI Gateway Tokens")).ToBeVisibleAsync();
        await Expect(Rows(console)).ToHaveCountAsync(2);
        Assert.Equal(["2026-03-10 09:00 UTC", "1,250"], await Rows(console).Nth(0).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        Assert.Equal(["2026-03-10 11:00 UTC", "540"], await Rows(console).Nth(1).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        await Expect(console.Page.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", "AI Gateway Tokens: SUM per hour over the last 24 hours: AI Gateway Tokens 1,790.");

        await console.Field("Group by").SelectOptionAsync(new SelectOptionValue { Label = "Provider" });
        await Expect(Rows(console)).ToHaveCountAsync(3);
        Assert.Equal(["2026-03-10 09:00 UTC", "OpenAI", "1,250"], await Rows(console).Nth(0).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        Assert.Equal(["2026-03-10 11:00 UTC", "Anthropic", "500"], await Rows(console).Nth(1).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        Assert.Equal(["2026-03-10 11:00 UTC", "OpenAI", "40"], await Rows(console).Nth(2).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        await Expect(console.Page.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", "AI Gateway Tokens: SUM per hour over the last 24 hours, by provider: Anthropic 500, OpenAI 1,290.");
        await Expect(console.Page.GetByRole(AriaRole.List, new() { Name = "Legend" }).GetByRole(AriaRole.Listitem)).ToHaveTextAsync(["Anthropic: 500", "OpenAI: 1,290"]);
        await console.StepAsync("by-provider-per-hour");

        await console.Field("Window").SelectOptionAsync(new SelectOptionValue { Label = "Day" });
        await console.Field("Range").SelectOptionAsync(new SelectOptionValue { Label = "Last 30 days" });
        await Expect(Rows(console)).ToHaveCountAsync(3);
        Assert.Equal(["2026-03-01 00:00 UTC", "OpenAI", "7"], await Rows(console).Nth(0).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        Assert.Equal(["2026-03-10 00:00 UTC", "Anthropic", "500"], await Rows(console).Nth(1).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        Assert.Equal(["2026-03-10 00:00 UTC", "OpenAI", "1,290"], await Rows(console).Nth(2).GetByRole(AriaRole.Cell).AllInnerTextsAsync());
        await console.StepAsync("by-provider-per-day");

        await using var phone = await ConsoleBrowser.OpenAsync(chromium, server, width: 390, height: 844);
        await phone.GoToAsync($"metering/meters/{Slug}");
        await Expect(Rows(phone)).ToHaveCountAsync(2);
        await phone.StepAsync("phone");
    }

    private static ILocator Rows(ConsoleBrowser console) => console.Page.Locator("table tbody tr");

    private static string LlmEvent(string id, string time, int tokens, string provider, string type) =>
        Events.Event(id, "kong-air", time, string.Create(CultureInfo.InvariantCulture, $$"""{"tokens":{{tokens}},"type":"{{type}}","provider":"{{provider}}","model":"m","consumer":"kong-air"}"""), type: "kong.llm_request");

    /// <summary>The meter counts events in the background once it is enabled; wait until the API sees them all.</summary>
    internal static async Task WaitForTotalAsync(TollgateServer server, decimal total)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{Slug}/query"));
            var sum = document.RootElement.GetProperty("data").EnumerateArray().Sum(r => r.GetProperty("value").GetDecimal());
            if (sum == total)
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the meter never counted {total} tokens");
    }
}
