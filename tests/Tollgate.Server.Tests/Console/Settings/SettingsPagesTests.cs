using System.Text.Json;
using Microsoft.Playwright;
using Tollgate.Server.Tests.Console.Billing;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Settings;

/// <summary>Settings: the default billing profile edited and stored, refusals at their fields, and the apps installed.</summary>
public sealed class SettingsPagesTests(Chromium chromium)
{
    [Fact]
    public async Task The_billing_profile_stores_auto_advance_and_the_draft_period()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync("/");
        await console.Sidebar("Settings").ClickAsync();
        await Expect(console.Heading("Settings")).ToBeVisibleAsync();
        await Expect(console.Tab("Billing profile")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(console.Field("Auto-advance: issue drafts by themselves once the draft period is over (otherwise each waits for Approve)")).ToBeCheckedAsync();
        await Expect(console.Field("Draft period")).ToHaveValueAsync("P0D");
        await Expect(console.Field("Due after")).ToHaveValueAsync("P30D");
        await console.StepAsync("profile");

        // A draft period that is no duration is refused at its field, and nothing is stored.
        await console.Field("Draft period").FillAsync("one day");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Draft period")).ToHaveAccessibleDescriptionAsync("\"one day\" is not an ISO 8601 duration with whole numbers (e.g. P1M, P1Y, P2W, P7D, PT1H)");
        await console.StepAsync("draft-period-refused");
        Assert.Equal("P0D", (await DefaultProfileAsync(server)).GetProperty("workflow").GetProperty("invoicing").GetProperty("draftPeriod").GetString());

        await console.Field("Auto-advance: issue drafts by themselves once the draft period is over (otherwise each waits for Approve)").UncheckAsync();
        await console.Field("Draft period").FillAsync("P1D");
        await console.Field("Supplier name").FillAsync("Kong Air Billing Ltd");
        await console.Button("Save").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Billing profile saved.");
        await console.StepAsync("saved");

        var profile = await DefaultProfileAsync(server);
        var invoicing = profile.GetProperty("workflow").GetProperty("invoicing");
        Assert.False(invoicing.GetProperty("autoAdvance").GetBoolean());
        Assert.Equal("P1D", invoicing.GetProperty("draftPeriod").GetString());
        Assert.Equal("P30D", invoicing.GetProperty("dueAfter").GetString());
        Assert.Equal("PT1H", profile.GetProperty("workflow").GetProperty("collection").GetProperty("interval").GetString());
        Assert.Equal("Kong Air Billing Ltd", profile.GetProperty("supplier").GetProperty("name").GetString());

        // What is stored is what the page shows when it is opened again.
        await console.GoToAsync("metering/settings");
        await Expect(console.Field("Draft period")).ToHaveValueAsync("P1D");
        await Expect(console.Field("Auto-advance: issue drafts by themselves once the draft period is over (otherwise each waits for Approve)")).Not.ToBeCheckedAsync();
    }

    [Fact]
    public async Task Apps_installs_Custom_Invoicing_and_says_Stripe_is_not_available()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server, width: 390, height: 844);

        await console.GoToAsync("metering/settings");
        await console.Tab("Apps").ClickAsync();
        var installed = console.Page.GetByRole(AriaRole.Table, new() { Name = "Installed apps" });
        await Expect(installed.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        await Expect(installed.GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("Sandbox");
        var stripe = console.Page.GetByRole(AriaRole.Region, new() { Name = "Stripe", Exact = true });
        await Expect(stripe).ToContainTextAsync("Not available in this build");
        await Expect(stripe.GetByRole(AriaRole.Button, new() { Name = "Install" })).ToBeDisabledAsync();
        await console.StepAsync("apps-phone");

        await console.Page.GetByRole(AriaRole.Region, new() { Name = "Custom Invoicing", Exact = true }).GetByRole(AriaRole.Button, new() { Name = "Install" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync(
            "Custom Invoicing is installed, with its own billing profile \"Custom Invoicing Billing Profile\"; the default profile is unchanged.");
        await Expect(installed.GetByRole(AriaRole.Row)).ToHaveCountAsync(3);
        await Expect(installed.GetByRole(AriaRole.Row).Nth(2).GetByRole(AriaRole.Cell).Nth(0)).ToHaveTextAsync("Custom Invoicing");
        await console.StepAsync("custom-invoicing-installed");

        using var apps = JsonDocument.Parse(await server.GetStringAsync("/api/v1/apps"));
        Assert.Equal(["sandbox", "custom_invoicing"], apps.RootElement.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("type").GetString()));

        // Uninstall asks first; the app is used by its profile, so the refusal is shown and it stays.
        await installed.GetByRole(AriaRole.Row).Nth(2).GetByRole(AriaRole.Button, new() { Name = "Uninstall" }).ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Uninstall app" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("is used by billing profiles");
        await Expect(installed.GetByRole(AriaRole.Row)).ToHaveCountAsync(3);
    }

    private static async Task<JsonElement> DefaultProfileAsync(TollgateServer server) =>
        (await BillingSetup.GetAsync(server, "/api/v1/billing/profiles")).GetProperty("items").EnumerateArray().Single(p => p.GetProperty("default").GetBoolean());
}
