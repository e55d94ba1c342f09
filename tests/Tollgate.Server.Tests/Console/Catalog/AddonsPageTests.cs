using Microsoft.Playwright;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Catalog;

/// <summary>The Add-ons tab and an add-on's page, with the same rate card wizard as plans.</summary>
public sealed class AddonsPageTests(Chromium chromium)
{
    [Fact]
    public async Task An_add_on_is_created_priced_published_and_archived()
    {
        await using var server = await TollgateServer.StartAsync();
        await CatalogSteps.CreateAsync(server, "/api/v1/features", """{"key":"support","name":"Support"}""");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server, width: 390, height: 844);
        await console.GoToAsync("metering/catalog/addons");
        await Expect(console.Tab("Add-ons")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(console.Heading("No add-ons yet")).ToBeVisibleAsync();
        await console.StepAsync("addons-empty-phone");

        await console.Button("Create Add-on").ClickAsync();
        await console.Field("Name").FillAsync("Priority Support");
        await Expect(console.Field("Key")).ToHaveValueAsync("priority_support");
        await console.Field("Instance type").SelectOptionAsync(new SelectOptionValue { Label = "Multiple" });
        await console.StepAsync("addon-form-phone");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Priority Support")).ToBeVisibleAsync();

        // Publishing an add-on without rate cards is refused by the service, with its reason.
        await console.Button("Publish Add-on").ClickAsync();
        await Expect(console.Page.Locator(".alert.error")).ToHaveTextAsync("rateCards: an add-on needs at least one rate card to be published");

        await console.Button("Add Rate Card").ClickAsync();
        await console.Field("Feature").SelectOptionAsync(new SelectOptionValue { Label = "Support" });
        await console.Button("Next").ClickAsync();
        await console.Field("Pricing model").SelectOptionAsync(new SelectOptionValue { Label = "Flat fee" });
        await console.Field("Amount").FillAsync("49");
        await console.Button("Next").ClickAsync();
        await console.Page.GetByRole(AriaRole.Radio, new() { Name = "Static", Exact = true }).CheckAsync();
        await console.Field("Config").FillAsync("not json");
        await console.Button("Save Rate Card").ClickAsync();
        await Expect(console.Field("Config")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("must be JSON in a string"));
        await console.Field("Config").FillAsync("""{"hours":4}""");
        await console.Button("Save Rate Card").ClickAsync();
        var row = console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Flat fee" });
        await Expect(row.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["Support", "support", "Flat fee", "$49.00 per 1 month, in advance", "Static", "EditRemove"]);
        await console.StepAsync("addon-rate-card-phone");

        await console.Button("Publish Add-on").ClickAsync();
        await Expect(console.Page.Locator(".alert.success")).ToHaveTextAsync("Priority Support version 1 is published.");
        var addon = (await CatalogSteps.GetAsync(server, "/api/v1/addons?key=priority_support")).GetProperty("items")[0];
        Assert.Equal("active", addon.GetProperty("status").GetString());
        Assert.Equal("multiple", addon.GetProperty("instanceType").GetString());
        var card = addon.GetProperty("rateCards")[0];
        Assert.Equal("flat_fee", card.GetProperty("type").GetString());
        Assert.Equal("""{"type":"flat","amount":"49","paymentTerm":"in_advance"}""", card.GetProperty("price").GetRawText());
        Assert.Equal("""{"hours":4}""", card.GetProperty("entitlementTemplate").GetProperty("config").GetString());

        await console.Button("Archive").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await Expect(console.Page.Locator(".alert.success")).ToHaveTextAsync("Priority Support version 1 is archived.");
        await console.Link("Add-ons").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Priority Support" }).GetByRole(AriaRole.Cell))
            .ToHaveTextAsync(["Priority Support", "priority_support", "archived", "1", "Multiple", "USD"]);
        await console.StepAsync("addons-list-phone");
    }
}
