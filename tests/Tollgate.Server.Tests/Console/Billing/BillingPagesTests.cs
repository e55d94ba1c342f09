using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Billing;

/// <summary>
/// The Billing pages with the seed's words: Create Customer (Name, Include usage from, Save), the customer's
/// Subscriptions tab (Create a Subscription, Subscribed Plan, Next, Create Subscription), the Invoices tab, the
/// customer, the Invoicing tab and Preview Invoice; refusals at their fields, confirmations, and an invoice's actions.
/// </summary>
public sealed class BillingPagesTests(Chromium chromium)
{
    [Fact]
    public async Task The_seed_creates_Kong_Air_subscribes_it_to_Token_and_previews_its_ai_token_line()
    {
        await using var server = await TollgateServer.StartAsync();
        await BillingSetup.CatalogAsync(server);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync("/");
        await console.Sidebar("Billing").ClickAsync();
        await Expect(console.Heading("Billing")).ToBeVisibleAsync();
        await Expect(console.Tab("Customers")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(console.Heading("No customers yet")).ToBeVisibleAsync();
        await console.StepAsync("billing-without-customers");

        // Create Customer: Name "Kong Air", Include usage from "kong-air", Save.
        await console.Button("Create Customer").ClickAsync();
        await console.Field("Name").FillAsync("Kong Air");
        await Expect(console.Field("Key")).ToHaveValueAsync("kong_air");
        await Expect(console.Field("Currency")).ToHaveValueAsync("USD");
        await console.Field("Include usage from").SelectOptionAsync("kong-air");
        await console.StepAsync("create-customer");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Kong Air")).ToBeVisibleAsync();
        await Expect(console.Tab("Overview")).ToHaveAttributeAsync("aria-selected", "true");
        await console.StepAsync("customer-overview");

        var customers = (await BillingSetup.GetAsync(server, "/api/v1/customers")).GetProperty("items").EnumerateArray().ToList();
        var customer = Assert.Single(customers);
        Assert.Equal("Kong Air", customer.GetProperty("name").GetString());
        Assert.Equal("kong_air", customer.GetProperty("key").GetString());
        Assert.Equal("USD", customer.GetProperty("currency").GetString());
        Assert.Equal(["kong-air"], customer.GetProperty("usageAttribution").GetProperty("subjectKeys").EnumerateArray().Select(s => s.GetString()));
        var customerId = customer.GetProperty("id").GetString()!;

        // Subscriptions tab: Create a Subscription, Subscribed Plan "Token", Next, Create Subscription.
        await console.Tab("Subscriptions").ClickAsync();
        await Expect(console.Heading("No subscriptions yet")).ToBeVisibleAsync();
        await console.Button("Create a Subscription").ClickAsync();
        await console.Field("Subscribed Plan").SelectOptionAsync(new SelectOptionValue { Label = "Token" });
        await console.StepAsync("subscribed-plan");
        await console.Button("Next").ClickAsync();
        var cards = console.Page.GetByRole(AriaRole.Table, new() { Name = "Rate cards" });
        await Expect(cards.GetByRole(AriaRole.Row).Nth(1)).ToHaveTextAsync("ai-token Default ai_token $0.00002 per unit Boolean");
        await console.StepAsync("review-subscription");
        await console.Button("Create Subscription").ClickAsync();

        var subscriptionRow = console.Page.GetByRole(AriaRole.Table, new() { Name = "Subscriptions" }).GetByRole(AriaRole.Row).Nth(1);
        await Expect(subscriptionRow.GetByRole(AriaRole.Cell).Nth(0)).ToHaveTextAsync("Token (token v1)");
        await Expect(subscriptionRow.GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("Active");
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Kong Air is subscribed to Token.");
        await console.StepAsync("subscribed");

        var subscriptions = (await BillingSetup.GetAsync(server, $"/api/v1/customers/{customerId}/subscriptions")).GetProperty("items").EnumerateArray().ToList();
        var subscription = Assert.Single(subscriptions);
        Assert.Equal("active", subscription.GetProperty("status").GetString());
        Assert.Equal("token", subscription.GetProperty("plan").GetProperty("key").GetString());

        // Usage of kong-air through OpenAI: 100 + 50 + 165 = 315 tokens, $0.0063, billed as $0.01.
        await BillingSetup.UseTokensAsync(server, 100, 50, 165);
        var apiLine = await BillingSetup.WaitForUsageAsync(server, customerId, 315m);
        Assert.Equal(0.01m, BillingSetup.Decimal(apiLine.GetProperty("totals").GetProperty("total")));

        // Billing → Invoices tab → Kong Air → Invoicing tab → Preview Invoice.
        await console.Sidebar("Billing").ClickAsync();
        await console.Tab("Invoices").ClickAsync();
        await Expect(console.Tab("Invoices")).ToHaveAttributeAsync("aria-selected", "true");
        await console.StepAsync("invoices-tab");
        await console.Link("Kong Air").ClickAsync();
        await Expect(console.Heading("Kong Air")).ToBeVisibleAsync();
        await console.Tab("Invoicing").ClickAsync();
        await Expect(console.Tab("Invoicing")).ToHaveAttributeAsync("aria-selected", "true");
        await console.Button("Preview Invoice").ClickAsync();

        var lines = console.Page.GetByRole(AriaRole.Table, new() { Name = "Lines" });
        var aiToken = lines.GetByRole(AriaRole.Row).Filter(new() { Has = console.Page.GetByRole(AriaRole.Cell, new() { Name = "ai-token", Exact = true }) });
        await Expect(aiToken).ToHaveCountAsync(1);
        var cells = aiToken.GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(1)).ToHaveTextAsync("315");
        await Expect(cells.Nth(2)).ToHaveTextAsync("$0.00002");
        await Expect(cells.Nth(3)).ToHaveTextAsync("$0.01");
        await Expect(lines.GetByRole(AriaRole.Row, new() { Name = "Total $0.01", Exact = true })).ToBeVisibleAsync();
        await console.StepAsync("preview-invoice");

        // The same numbers as the invoices API's preview.
        var preview = await BillingSetup.PreviewAsync(server, customerId);
        var line = Assert.Single(preview.GetProperty("lines").EnumerateArray());
        Assert.Equal("ai-token", line.GetProperty("name").GetString());
        Assert.Equal(315m, BillingSetup.Decimal(line.GetProperty("quantity")));
        Assert.Equal(0.01m, BillingSetup.Decimal(preview.GetProperty("totals").GetProperty("total")));

        await console.Page.SetViewportSizeAsync(390, 844);
        await Expect(cells.Nth(3)).ToHaveTextAsync("$0.01");
        await console.StepAsync("preview-invoice-phone");
        await console.Page.SetViewportSizeAsync(1280, 900);

        // The overview adds up the same usage; the plan's boolean entitlement gives access.
        await console.Tab("Overview").ClickAsync();
        var usage = console.Page.GetByRole(AriaRole.Table, new() { Name = "Usage this period" }).GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell);
        await Expect(usage.Nth(0)).ToHaveTextAsync("ai-token");
        await Expect(usage.Nth(2)).ToHaveTextAsync("315");
        await Expect(usage.Nth(3)).ToHaveTextAsync("$0.01");
        await console.StepAsync("overview-with-usage");
        await console.Tab("Entitlements").ClickAsync();
        var entitlement = console.Page.GetByRole(AriaRole.Table, new() { Name = "Entitlements" }).GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell);
        await Expect(entitlement.Nth(0)).ToHaveTextAsync("ai-token (ai_token)");
        await Expect(entitlement.Nth(1)).ToHaveTextAsync("Boolean");
        await Expect(entitlement.Nth(2)).ToHaveTextAsync("Yes");
        await console.StepAsync("entitlements");

        // Billing's Subscriptions tab lists it with its customer.
        await console.Sidebar("Billing").ClickAsync();
        await console.Tab("Subscriptions").ClickAsync();
        var all = console.Page.GetByRole(AriaRole.Table, new() { Name = "Subscriptions" }).GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell);
        await Expect(all.Nth(0)).ToHaveTextAsync("Kong Air");
        await Expect(all.Nth(1)).ToHaveTextAsync("Token (token v1)");
        await Expect(all.Nth(2)).ToHaveTextAsync("Active");
        await console.StepAsync("all-subscriptions");
    }

    [Fact]
    public async Task Create_Customer_shows_a_refusal_at_the_field_it_concerns_and_creates_nothing()
    {
        await using var server = await TollgateServer.StartAsync();
        await BillingSetup.CatalogAsync(server);
        var kongAir = await BillingSetup.KongAirAsync(server, subscribe: false);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync("metering/billing");
        await console.Button("Create Customer").ClickAsync();
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Name")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(console.Field("Name")).ToHaveAccessibleDescriptionAsync("is required (1 to 256 characters)");
        await console.StepAsync("name-required");

        // kong-air's usage is already Kong Air's: a subject belongs to one customer.
        await console.Field("Name").FillAsync("Kong Air Cargo");
        await console.Field("Include usage from").SelectOptionAsync("kong-air");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Include usage from")).ToHaveAccessibleDescriptionAsync(
            $"subject \"kong-air\" is already attributed to customer {kongAir} (\"Kong Air\"); a subject belongs to one customer at most");
        await Expect(console.Field("Name")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await console.StepAsync("subject-taken");

        // The key suggested from the name is Kong Air's: the refusal is at Key.
        await console.Field("Name").FillAsync("Kong Air");
        await console.Field("Include usage from").SelectOptionAsync(new SelectOptionValue { Label = "Another subject…" });
        await console.Field("Subject key").FillAsync("kong-air-eu");
        await console.Button("Save").ClickAsync();
        await Expect(console.Field("Key")).ToHaveAccessibleDescriptionAsync($"key \"kong_air\" is already used by customer {kongAir} (\"Kong Air\")");
        await console.StepAsync("key-taken");

        var customers = (await BillingSetup.GetAsync(server, "/api/v1/customers")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["Kong Air"], customers.Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Cancel_subscription_asks_first_and_Cancel_keeps_it_active()
    {
        await using var server = await TollgateServer.StartAsync();
        await BillingSetup.CatalogAsync(server);
        var customerId = await BillingSetup.KongAirAsync(server, subscribe: true);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync($"metering/billing/customers/{customerId}/subscriptions");
        var status = console.Page.GetByRole(AriaRole.Table, new() { Name = "Subscriptions" }).GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell).Nth(1);
        await Expect(status).ToHaveTextAsync("Active");

        await console.Button("Cancel subscription").ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog, new() { Name = "Cancel Token now?" });
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeFocusedAsync();
        await console.StepAsync("cancel-asks");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(status).ToHaveTextAsync("Active");
        Assert.Equal("active", await SubscriptionStatusAsync(server, customerId));

        // Escape closes it too; then confirming ends the subscription now.
        await console.Button("Cancel subscription").ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeFocusedAsync();
        await console.Page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        Assert.Equal("active", await SubscriptionStatusAsync(server, customerId));

        await console.Button("Cancel subscription").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel now", Exact = true }).ClickAsync();
        await Expect(status).ToHaveTextAsync("Ended");
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Token is canceled.");
        await console.StepAsync("canceled");
        Assert.Equal("inactive", await SubscriptionStatusAsync(server, customerId));
    }

    [Fact]
    public async Task Invoice_now_makes_a_draft_whose_page_approves_it_and_prints_it()
    {
        await using var server = await TollgateServer.StartAsync();
        await BillingSetup.CatalogAsync(server);
        await WaitForApprovalAsync(server);
        var customerId = await BillingSetup.KongAirAsync(server, subscribe: true);
        await BillingSetup.UseTokensAsync(server, 100, 50, 165);
        await BillingSetup.WaitForUsageAsync(server, customerId, 315m);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync($"metering/billing/customers/{customerId}/invoicing");
        await console.Button("Invoice now").ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Alertdialog, new() { Name = "Invoice Kong Air now?" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Invoice now", Exact = true }).ClickAsync();

        await Expect(console.Page.Locator("h1")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Invoice "));
        await Expect(console.Page.Locator(".page-header .description")).ToHaveTextAsync("Draft, waiting for approval");
        var cells = console.Page.GetByRole(AriaRole.Table, new() { Name = "Lines" }).GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(0)).ToHaveTextAsync("ai-token");
        await Expect(cells.Nth(1)).ToHaveTextAsync("315");
        await Expect(cells.Nth(3)).ToHaveTextAsync("$0.01");
        await console.StepAsync("draft");

        var invoices = (await BillingSetup.GetAsync(server, $"/api/v1/billing/invoices?customers={customerId}")).GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("status").GetString() != "gathering").ToList();
        var draft = Assert.Single(invoices);
        Assert.Equal("draft.manual_approval_needed", draft.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());
        var id = draft.GetProperty("id").GetString()!;

        // Delete asks first; Cancel keeps the draft.
        await console.Button("Delete").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Alertdialog)).ToBeHiddenAsync();

        await console.Button("Approve").ClickAsync();
        await Expect(console.Button("Approve")).ToBeHiddenAsync();
        // The sandbox app issues it and takes the payment at once.
        await Expect(console.Page.Locator(".page-header .description")).ToHaveTextAsync("Paid");
        var approved = await BillingSetup.GetAsync(server, $"/api/v1/billing/invoices/{id}");
        Assert.Equal("paid", approved.GetProperty("status").GetString());
        Assert.Equal("INV-000001", approved.GetProperty("number").GetString());
        await Expect(console.Page.Locator("h1")).ToHaveTextAsync("Invoice INV-000001");
        await console.StepAsync("approved");

        // The printable invoice is served by the console itself.
        var href = await console.Link("Printable invoice").GetAttributeAsync("href");
        using var client = new HttpClient { BaseAddress = server.ConsoleUrl };
        using var document = await client.GetAsync(href, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Equal("text/html", document.Content.Headers.ContentType?.MediaType);
        Assert.Contains("INV-000001", await document.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        // Void asks first, then cancels the invoice.
        await console.Button("Void").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog, new() { Name = "Void invoice INV-000001?" }).GetByRole(AriaRole.Button, new() { Name = "Void invoice" }).ClickAsync();
        await Expect(console.Page.Locator(".page-header .description")).ToHaveTextAsync("Voided");
        await Expect(console.Button("Void")).ToBeHiddenAsync();
        await console.StepAsync("voided");
        Assert.Equal("voided", (await BillingSetup.GetAsync(server, $"/api/v1/billing/invoices/{id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_customer_is_edited_and_deleted_only_after_confirming_and_without_a_running_subscription()
    {
        await using var server = await TollgateServer.StartAsync();
        await BillingSetup.CatalogAsync(server);
        var customerId = await BillingSetup.KongAirAsync(server, subscribe: true);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync("metering/billing");
        await console.Link("Kong Air").ClickAsync();
        await console.Button("Edit").ClickAsync();
        await Expect(console.Heading("Edit Kong Air")).ToBeVisibleAsync();
        await Expect(console.Field("Key")).ToHaveValueAsync("kong_air");
        await Expect(console.Field("Include usage from")).ToHaveValueAsync("kong-air");
        await console.Field("Email").FillAsync("billing@kongair.example");
        await console.Button("Save").ClickAsync();
        await Expect(console.Heading("Kong Air")).ToBeVisibleAsync();
        await Expect(console.Page.GetByRole(AriaRole.Definition).Filter(new() { HasText = "billing@kongair.example" })).ToHaveCountAsync(1);
        var edited = await BillingSetup.GetAsync(server, $"/api/v1/customers/{customerId}");
        Assert.Equal("billing@kongair.example", edited.GetProperty("primaryEmail").GetString());
        Assert.Equal(["kong-air"], edited.GetProperty("usageAttribution").GetProperty("subjectKeys").EnumerateArray().Select(s => s.GetString()));

        // A customer whose subscription runs is not deleted: the refusal says why.
        await console.Button("Delete").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog, new() { Name = "Delete Kong Air?" }).GetByRole(AriaRole.Button, new() { Name = "Delete customer" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("cancel it, or delete it while it is scheduled, before deleting the customer");
        await console.StepAsync("delete-refused");

        var subscription = (await BillingSetup.GetAsync(server, $"/api/v1/customers/{customerId}/subscriptions")).GetProperty("items")[0].GetProperty("id").GetString();
        await BillingSetup.SendAsync(server, $"/api/v1/subscriptions/{subscription}/cancel", """{"timing":"immediate"}""");
        await console.Button("Delete").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog, new() { Name = "Delete Kong Air?" }).GetByRole(AriaRole.Button, new() { Name = "Delete customer" }).ClickAsync();
        await Expect(console.Heading("No customers yet")).ToBeVisibleAsync();
        await console.StepAsync("deleted");
        Assert.Equal(0, (await BillingSetup.GetAsync(server, "/api/v1/customers")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Entitlements_show_what_a_metered_allowance_has_left()
    {
        await using var server = await TollgateServer.StartAsync();
        await BillingSetup.CatalogAsync(server);
        var plan = await BillingSetup.SendAsync(server, "/api/v1/plans", """
            {"key":"allowance","name":"Allowance","currency":"USD","billingCadence":"P1M",
             "phases":[{"key":"default","name":"Default","rateCards":[{"type":"usage_based","key":"ai_token","name":"ai-token",
               "featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"0.00002"},
               "entitlementTemplate":{"type":"metered","issueAfterReset":1000,"isSoftLimit":false}}]}]}
            """);
        await BillingSetup.SendAsync(server, $"/api/v1/plans/{plan.GetProperty("id").GetString()}/publish", "{}");
        var customerId = await BillingSetup.KongAirAsync(server, subscribe: false);
        await BillingSetup.SendAsync(server, "/api/v1/subscriptions", """{"customerKey":"kong_air","plan":{"key":"allowance"},"timing":"immediate"}""");
        await BillingSetup.UseTokensAsync(server, 100, 50, 165);
        await BillingSetup.WaitForUsageAsync(server, customerId, 315m);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.GoToAsync($"metering/billing/customers/{customerId}/entitlements");
        var cells = console.Page.GetByRole(AriaRole.Table, new() { Name = "Entitlements" }).GetByRole(AriaRole.Row).Nth(1).GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(1)).ToHaveTextAsync("Metered");
        await Expect(cells.Nth(2)).ToHaveTextAsync("Yes");
        await Expect(cells.Nth(3)).ToHaveTextAsync("315");
        await Expect(cells.Nth(4)).ToHaveTextAsync("685");
        await Expect(cells.Nth(5)).ToHaveTextAsync("0");
        await console.StepAsync("metered-entitlement");
        var value = await BillingSetup.GetAsync(server, "/api/v2/customers/kong_air/entitlements/ai_token/value");
        Assert.Equal(685m, value.GetProperty("balance").GetDecimal());
    }

    /// <summary>Drafts wait for approval: the default profile's auto-advance off, through the profiles service.</summary>
    private static async Task WaitForApprovalAsync(TollgateServer server)
    {
        var repository = server.App.Services.GetRequiredService<BillingRepository>();
        var profile = BillingProfiles.Default(repository.Current)!;
        await server.App.Services.GetRequiredService<BillingProfileService>().ReplaceAsync(profile.Id, new BillingProfileReplaceUpdate
        {
            Name = profile.Name,
            Supplier = profile.Supplier,
            Default = true,
            Workflow = new BillingWorkflowOverride { Invoicing = new InvoicingOverride { AutoAdvance = false } },
        }, TestContext.Current.CancellationToken);
    }

    private static async Task<string?> SubscriptionStatusAsync(TollgateServer server, string customerId)
    {
        var items = (await BillingSetup.GetAsync(server, $"/api/v1/customers/{customerId}/subscriptions")).GetProperty("items");
        return Assert.Single(items.EnumerateArray().ToList()).GetProperty("status").GetString();
    }
}
