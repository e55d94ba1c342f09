using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Catalog;

/// <summary>The Plans tab and a plan's page: the seed's "Create Plan", "Add Rate Card" wizard and "Publish Plan", and the rest of a plan's life.</summary>
public sealed class PlansPageTests(Chromium chromium)
{
    [Fact]
    public async Task The_seeds_plan_prices_ai_token_per_unit_and_is_published()
    {
        await using var server = await TollgateServer.StartAsync();
        await CatalogSteps.EnableAiGatewayTokensAsync(server);
        await CatalogSteps.CreateAiTokenFeatureAsync(server);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("/");
        await console.Sidebar("Metering & Billing").ClickAsync();
        await console.Sidebar("Product Catalog").ClickAsync();
        await console.Tab("Plans").ClickAsync();
        await Expect(console.Tab("Plans")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(console.Heading("No plans yet")).ToBeVisibleAsync();
        await console.StepAsync("plans-empty");

        await console.Button("Create Plan").ClickAsync();
        await console.Field("Name").FillAsync("Token");
        await Expect(console.Field("Key")).ToHaveValueAsync("token");
        await console.Field("Billing cadence").SelectOptionAsync(new SelectOptionValue { Label = "1 month" });
        await Expect(console.Field("Currency")).ToHaveValueAsync("USD");
        await console.StepAsync("plan-form");
        await console.Button("Save").ClickAsync();

        await Expect(console.Heading("Token")).ToBeVisibleAsync();
        Assert.Matches("/metering/catalog/plans/[0-9A-Z]{26}$", console.Page.Url);
        await Expect(console.Page.GetByRole(AriaRole.Status, new() { Name = "Status: draft" })).ToBeVisibleAsync();
        await Expect(console.Heading("No rate cards yet")).ToBeVisibleAsync();
        await console.StepAsync("plan-draft");

        await console.Button("Add Rate Card").ClickAsync();
        await Expect(console.Page.Locator(".steps [aria-current=step]")).ToHaveTextAsync("1. Feature");
        await console.Field("Feature").SelectOptionAsync(new SelectOptionValue { Label = "ai-token" });
        await console.Button("Next").ClickAsync();
        await Expect(console.Page.Locator(".steps [aria-current=step]")).ToHaveTextAsync("2. Pricing");
        await console.Field("Pricing model").SelectOptionAsync(new SelectOptionValue { Label = "Usage Based" });
        await console.Field("Price per unit").FillAsync("0.00002");
        await console.StepAsync("wizard-pricing");
        await console.Button("Next").ClickAsync();
        await Expect(console.Page.Locator(".steps [aria-current=step]")).ToHaveTextAsync("3. Entitlement");
        await console.Page.GetByRole(AriaRole.Radio, new() { Name = "Boolean", Exact = true }).CheckAsync();
        await console.StepAsync("wizard-entitlement");
        await console.Button("Save Rate Card").ClickAsync();

        var row = console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Usage Based" });
        await Expect(row.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["ai-token", "ai-token", "Usage Based", "$0.00002 per unit", "Boolean", "EditRemove"]);
        await console.StepAsync("rate-card-added");

        await console.Button("Publish Plan").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status, new() { Name = "Status: active" })).ToBeVisibleAsync();
        await Expect(console.Page.Locator(".alert.success")).ToHaveTextAsync("Token version 1 is published: new subscriptions get it.");
        await Expect(console.Button("Add Rate Card")).ToHaveCountAsync(0);
        await console.StepAsync("plan-published");

        var plans = (await CatalogSteps.GetAsync(server, "/api/v1/plans?key=token")).GetProperty("items");
        var plan = Assert.Single(plans.EnumerateArray());
        Assert.Equal("active", plan.GetProperty("status").GetString());
        Assert.Equal("Token", plan.GetProperty("name").GetString());
        Assert.Equal("P1M", plan.GetProperty("billingCadence").GetString());
        Assert.Equal("USD", plan.GetProperty("currency").GetString());
        var card = Assert.Single(Assert.Single(plan.GetProperty("phases").EnumerateArray()).GetProperty("rateCards").EnumerateArray());
        Assert.Equal("usage_based", card.GetProperty("type").GetString());
        Assert.Equal("ai-token", card.GetProperty("featureKey").GetString());
        Assert.Equal("ai-token", card.GetProperty("key").GetString());
        Assert.Equal("P1M", card.GetProperty("billingCadence").GetString());
        Assert.Equal("unit", card.GetProperty("price").GetProperty("type").GetString());
        Assert.Equal("0.00002", card.GetProperty("price").GetProperty("amount").GetString());
        Assert.Equal("boolean", card.GetProperty("entitlementTemplate").GetProperty("type").GetString());

        // The list shows it active.
        await console.Link("Plans").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Token" }).GetByRole(AriaRole.Cell)).ToHaveTextAsync(["Token", "token", "active", "1", "1 month", "USD"]);
        await console.StepAsync("plans-list");
    }

    [Fact]
    public async Task A_price_that_is_no_number_is_refused_at_its_field_and_a_draft_is_edited_published_versioned_and_archived()
    {
        await using var server = await TollgateServer.StartAsync();
        await CatalogSteps.EnableAiGatewayTokensAsync(server);
        await CatalogSteps.CreateAiTokenFeatureAsync(server);
        await CatalogSteps.CreateAsync(server, "/api/v1/features", """{"key":"support","name":"Support"}""");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("metering/catalog/plans");
        await console.Button("Create Plan").ClickAsync();
        await console.Field("Name").FillAsync("Pro Tokens");
        await Expect(console.Field("Key")).ToHaveValueAsync("pro_tokens");
        await console.Field("Key").FillAsync("pro");
        await console.Field("Billing cadence").SelectOptionAsync(new SelectOptionValue { Label = "1 month" });
        await console.Field("Currency").FillAsync("XYZ");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Currency")).ToHaveAttributeAsync("aria-invalid", "true");
        await console.StepAsync("currency-refused");
        await console.Field("Currency").FillAsync("USD");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Pro Tokens")).ToBeVisibleAsync();

        await console.Button("Add Rate Card").ClickAsync();
        await console.Button("Next").ClickAsync();
        await Expect(console.Field("Feature")).ToHaveAccessibleDescriptionAsync(new Regex("Choose the feature this rate card prices\\.$"));
        await console.Field("Feature").SelectOptionAsync(new SelectOptionValue { Label = "ai-token" });
        await console.Button("Next").ClickAsync();
        await console.Field("Pricing model").SelectOptionAsync(new SelectOptionValue { Label = "Usage Based" });
        await console.Field("Price per unit").FillAsync("abc");
        await console.Button("Next").ClickAsync();
        await Expect(console.Field("Price per unit")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(console.Field("Price per unit")).ToHaveAccessibleDescriptionAsync(new Regex("\"abc\" is not a number; write it with a decimal point, such as 0\\.00002$"));
        await console.StepAsync("price-refused");

        // A negative price passes the form but not the plan's rules: the refusal comes back to the same field.
        await console.Field("Price per unit").FillAsync("-1");
        await console.Button("Next").ClickAsync();
        await console.Page.GetByRole(AriaRole.Radio, new() { Name = "None", Exact = true }).CheckAsync();
        await console.Button("Save Rate Card").ClickAsync();
        await Expect(console.Page.Locator(".steps [aria-current=step]")).ToHaveTextAsync("2. Pricing");
        await Expect(console.Field("Price per unit")).ToHaveAccessibleDescriptionAsync(new Regex("must not be negative$"));
        await console.StepAsync("negative-refused");

        // Graduated tiers with a metered allowance.
        await console.Field("Pricing model").SelectOptionAsync(new SelectOptionValue { Label = "Tiered" });
        await console.Field("Tier 1 up to").FillAsync("1000");
        await console.Field("Tier 1 unit price").FillAsync("0");
        await console.Button("Add tier").ClickAsync();
        await console.Field("Tier 2 unit price").FillAsync("0.00003");
        await console.Button("Next").ClickAsync();
        await console.Page.GetByRole(AriaRole.Radio, new() { Name = "Metered", Exact = true }).CheckAsync();
        await console.Field("Usage limit").FillAsync("50000");
        await console.Page.GetByRole(AriaRole.Checkbox, new() { Name = "Soft limit" }).CheckAsync();
        await console.Button("Save Rate Card").ClickAsync();
        var tokens = console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Tiered" });
        await Expect(tokens.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["ai-token", "ai-token", "Tiered (graduated)", "up to 1,000: $0.00 per unit; above: $0.00003 per unit", "Metered: 50,000 per 1 month (soft limit)", "EditRemove"]);

        // A flat fee for a feature without a meter, then edited.
        await console.Button("Add Rate Card").ClickAsync();
        await console.Field("Feature").SelectOptionAsync(new SelectOptionValue { Label = "Support" });
        await console.Button("Next").ClickAsync();
        await console.Field("Pricing model").SelectOptionAsync(new SelectOptionValue { Label = "Flat fee" });
        await console.Field("Amount").FillAsync("10");
        await console.Button("Next").ClickAsync();
        await console.Button("Save Rate Card").ClickAsync();
        await console.Button("Edit Support").ClickAsync();
        await Expect(console.Field("Feature")).ToHaveValueAsync("support");
        await console.Button("Next").ClickAsync();
        await Expect(console.Field("Amount")).ToHaveValueAsync("10");
        await console.Field("Amount").FillAsync("12.5");
        await console.Field("Payment term").SelectOptionAsync(new SelectOptionValue { Label = "In arrears" });
        await console.Button("Next").ClickAsync();
        await console.Button("Save Rate Card").ClickAsync();
        var support = console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Flat fee" });
        await Expect(support.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["Support", "support", "Flat fee", "$12.50 per 1 month, in arrears", "None", "EditRemove"]);
        await console.StepAsync("two-rate-cards");

        // Removing asks first.
        await support.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Remove rate card Support?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Flat fee" })).ToHaveCountAsync(0);

        await console.Button("Publish Plan").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status, new() { Name = "Status: active" })).ToBeVisibleAsync();
        var published = (await CatalogSteps.GetAsync(server, "/api/v1/plans?key=pro")).GetProperty("items")[0];
        var card = published.GetProperty("phases")[0].GetProperty("rateCards")[0];
        Assert.Equal("""{"type":"tiered","mode":"graduated","tiers":[{"upToAmount":"1000","flatPrice":null,"unitPrice":{"type":"unit","amount":"0"}},{"flatPrice":null,"unitPrice":{"type":"unit","amount":"0.00003"}}]}""", card.GetProperty("price").GetRawText());
        Assert.Equal("metered", card.GetProperty("entitlementTemplate").GetProperty("type").GetString());
        Assert.Equal(50000m, card.GetProperty("entitlementTemplate").GetProperty("issueAfterReset").GetDecimal());
        Assert.True(card.GetProperty("entitlementTemplate").GetProperty("isSoftLimit").GetBoolean());

        // The next version starts as a draft copy; the active one is archived after confirming.
        await console.Button("New version").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status, new() { Name = "Status: draft" })).ToBeVisibleAsync();
        await Expect(console.Page.Locator(".summary")).ToContainTextAsync("Version2");
        await console.Link("Plans").ClickAsync();
        await console.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "active" }).GetByRole(AriaRole.Link).ClickAsync();
        await console.Button("Archive").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Heading)).ToHaveTextAsync("Archive Pro Tokens version 1?");
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status, new() { Name = "Status: archived" })).ToBeVisibleAsync();
        var statuses = (await CatalogSteps.GetAsync(server, "/api/v1/plans?key=pro&orderBy=version")).GetProperty("items").EnumerateArray().Select(p => p.GetProperty("status").GetString());
        Assert.Equal(["archived", "draft"], statuses);
    }
}
