using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.Profiles.BillingApi;

namespace Tollgate.Server.Tests.Billing.Invoicing.Profiles;

public abstract class AppsApiTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_marketplace_lists_stripe_sandbox_and_custom_invoicing_with_their_capabilities()
    {
        await using var server = await store.StartAsync();
        var listings = await GetJsonAsync(server, "/api/v1/marketplace/listings");
        Assert.Equal(3, listings.GetProperty("totalCount").GetInt32());
        Assert.Equal(["stripe", "sandbox", "custom_invoicing"], listings.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("type").GetString()).ToArray());

        var custom = await GetJsonAsync(server, "/api/v1/marketplace/listings/custom_invoicing");
        Assert.Equal(
            """{"type":"custom_invoicing","name":"Custom Invoicing","description":"Custom Invoicing can be used to interface with third party invoicing and payment systems","capabilities":[{"type":"collectPayments","key":"custom_invoicing_collect_payment","name":"Payment","description":"Process payments"},{"type":"calculateTax","key":"custom_invoicing_calculate_tax","name":"Calculate Tax","description":"Calculate tax for a payment"},{"type":"invoiceCustomers","key":"custom_invoicing_invoice_customer","name":"Invoice Customer","description":"Invoice a customer"}],"installMethods":["no_credentials_required"]}""",
            custom.GetRawText());
        var stripe = await GetJsonAsync(server, "/api/v1/marketplace/listings/stripe");
        Assert.Equal("""["with_oauth2","with_api_key"]""", stripe.GetProperty("installMethods").GetRawText());
        Assert.Equal(["calculateTax", "invoiceCustomers", "collectPayments"], stripe.GetProperty("capabilities").EnumerateArray().Select(c => c.GetProperty("type").GetString()).ToArray());

        await BadRequestAsync(await server.GetAsync("/api/v1/marketplace/listings/paypal"), "type");
        var page = await GetJsonAsync(server, "/api/v1/marketplace/listings?page=2&pageSize=2");
        Assert.Equal("custom_invoicing", Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Installing_custom_invoicing_creates_the_app_and_a_profile_on_it_and_updates_set_its_hooks()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var server = await store.StartAsync(time: clock);
        var (defaultId, _) = await DefaultsAsync(server);
        clock.Advance(TimeSpan.FromMinutes(1));

        var installed = await ExpectAsync(await server.PostJsonAsync("/api/v1/marketplace/listings/custom_invoicing/install", """{"name":"Our ERP"}"""), HttpStatusCode.OK);
        // The sandbox's profile stays the default: a new profile becomes the default only when there is none.
        Assert.Equal("[]", installed.GetProperty("defaultForCapabilityTypes").GetRawText());
        var app = installed.GetProperty("app");
        var id = app.GetProperty("id").GetString()!;
        Assert.Equal("custom_invoicing", app.GetProperty("type").GetString());
        Assert.Equal("Our ERP", app.GetProperty("name").GetString());
        Assert.False(app.GetProperty("enableDraftSyncHook").GetBoolean());
        Assert.False(app.GetProperty("enableIssuingSyncHook").GetBoolean());
        Assert.Equal("Custom Invoicing", app.GetProperty("listing").GetProperty("name").GetString());
        Assert.Equal("2026-03-01T09:01:00Z", app.GetProperty("createdAt").GetString());
        Assert.Equal(app.GetRawText(), (await GetJsonAsync(server, $"/api/v1/apps/{id}")).GetRawText());

        var profiles = await GetJsonAsync(server, "/api/v1/billing/profiles?orderBy=name");
        var created = profiles.GetProperty("items")[1];
        Assert.Equal("Our ERP Billing Profile", created.GetProperty("name").GetString());
        Assert.False(created.GetProperty("default").GetBoolean());
        Assert.Equal("""{"name":"Tollgate"}""", created.GetProperty("supplier").GetRawText());
        Assert.Equal($$$"""{"tax":{"id":"{{{id}}}"},"invoicing":{"id":"{{{id}}}"},"payment":{"id":"{{{id}}}"}}""", created.GetProperty("apps").GetRawText());
        Assert.Equal(defaultId, profiles.GetProperty("items")[0].GetProperty("id").GetString());

        clock.Advance(TimeSpan.FromMinutes(1));
        var updated = await ExpectAsync(await PutJsonAsync(server, $"/api/v1/apps/{id}", """
            {"enableIssuingSyncHook":true,"type":"custom_invoicing","name":"ERP","description":"the books","metadata":{"team":"finance"},"enableDraftSyncHook":false}
            """), HttpStatusCode.OK);
        Assert.Equal("ERP", updated.GetProperty("name").GetString());
        Assert.Equal("the books", updated.GetProperty("description").GetString());
        Assert.Equal("""{"team":"finance"}""", updated.GetProperty("metadata").GetRawText());
        Assert.False(updated.GetProperty("enableDraftSyncHook").GetBoolean());
        Assert.True(updated.GetProperty("enableIssuingSyncHook").GetBoolean());
        Assert.Equal("2026-03-01T09:02:00Z", updated.GetProperty("updatedAt").GetString());

        var apps = await GetJsonAsync(server, "/api/v1/apps");
        Assert.Equal(["sandbox", "custom_invoicing"], apps.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("type").GetString()).ToArray());
    }

    [Fact]
    public async Task Installing_without_a_profile_and_with_an_empty_body()
    {
        await using var server = await store.StartAsync();
        var id = await InstallAsync(server, "custom_invoicing", """{"createBillingProfile":false}""");
        Assert.Equal(1, (await GetJsonAsync(server, "/api/v1/billing/profiles")).GetProperty("totalCount").GetInt32());
        Assert.Equal("Custom Invoicing", (await GetJsonAsync(server, $"/api/v1/apps/{id}")).GetProperty("name").GetString());

        using var empty = await server.Admin.PostAsync("/api/v1/marketplace/listings/sandbox/install", null, Ct);
        var second = await ExpectAsync(empty, HttpStatusCode.OK);
        Assert.Equal("Sandbox", second.GetProperty("app").GetProperty("name").GetString());
        Assert.Equal(2, (await GetJsonAsync(server, "/api/v1/billing/profiles")).GetProperty("totalCount").GetInt32());
        Assert.Equal(3, (await GetJsonAsync(server, "/api/v1/apps")).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Installing_stripe_is_refused_as_not_available_yet_and_stores_nothing()
    {
        await using var server = await store.StartAsync();
        var reason = await BadRequestAsync(await server.PostJsonAsync("/api/v1/marketplace/listings/stripe/install", "{}"), "type");
        Assert.Equal("the Stripe app is not available in Tollgate yet; install sandbox or custom_invoicing", reason);
        await BadRequestAsync(await server.PostJsonAsync("/api/v1/marketplace/listings/paypal/install", "{}"), "type");
        await BadRequestAsync(await server.PostJsonAsync("/api/v1/marketplace/listings/sandbox/install", """{"name":""}"""), "name");
        await BadRequestAsync(await server.PostJsonAsync("/api/v1/marketplace/listings/sandbox/install", """{"createBillingProfile":"no"}"""), "createBillingProfile");
        Assert.Equal(1, (await GetJsonAsync(server, "/api/v1/apps")).GetProperty("totalCount").GetInt32());
        Assert.Equal(1, (await GetJsonAsync(server, "/api/v1/billing/profiles")).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Invalid_updates_are_refused_naming_the_field_and_change_nothing()
    {
        await using var server = await store.StartAsync();
        var (_, sandboxId) = await DefaultsAsync(server);
        var custom = await InstallAsync(server, "custom_invoicing", """{"createBillingProfile":false}""");
        var sandboxBefore = (await GetJsonAsync(server, $"/api/v1/apps/{sandboxId}")).GetRawText();
        var customBefore = (await GetJsonAsync(server, $"/api/v1/apps/{custom}")).GetRawText();

        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{sandboxId}", """{"name":"S"}"""), "type");
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{sandboxId}", """{"type":"paypal","name":"S"}"""), "type");
        Assert.Equal(
            $"app \"{sandboxId}\" is a sandbox app, not custom_invoicing",
            await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{sandboxId}", """{"type":"custom_invoicing","name":"S","enableDraftSyncHook":true,"enableIssuingSyncHook":true}"""), "type"));
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{sandboxId}", """{"type":"sandbox"}"""), "name");
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{sandboxId}", $$$"""{"type":"sandbox","name":"S","description":"{{{new string('x', 1025)}}}"}"""), "description");
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{custom}", """{"type":"custom_invoicing","name":"C","enableIssuingSyncHook":true}"""), "enableDraftSyncHook");
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/apps/{custom}", """{"type":"custom_invoicing","name":"C","enableDraftSyncHook":true}"""), "enableIssuingSyncHook");
        await ProblemAsync(await PutJsonAsync(server, "/api/v1/apps/01JZZZZZZZZZZZZZZZZZZZZZZZ", """{"type":"sandbox","name":"S"}"""), HttpStatusCode.NotFound);

        Assert.Equal(sandboxBefore, (await GetJsonAsync(server, $"/api/v1/apps/{sandboxId}")).GetRawText());
        Assert.Equal(customBefore, (await GetJsonAsync(server, $"/api/v1/apps/{custom}")).GetRawText());

        var renamed = await ExpectAsync(await PutJsonAsync(server, $"/api/v1/apps/{sandboxId}", """{"type":"sandbox","name":"Test payments"}"""), HttpStatusCode.OK);
        Assert.Equal("Test payments", renamed.GetProperty("name").GetString());
        Assert.False(renamed.TryGetProperty("enableDraftSyncHook", out _));
    }

    [Fact]
    public async Task An_app_a_profile_uses_cannot_be_uninstalled_until_the_profile_is_deleted()
    {
        await using var server = await store.StartAsync();
        var (_, sandboxId) = await DefaultsAsync(server);
        var custom = await InstallAsync(server, "custom_invoicing", "{}");
        var profiles = await GetJsonAsync(server, "/api/v1/billing/profiles?orderBy=name");
        // "Custom Invoicing Billing Profile" sorts before "Default Billing Profile".
        var profile = profiles.GetProperty("items")[0].GetProperty("id").GetString()!;

        var detail = await ProblemAsync(await server.Admin.DeleteAsync($"/api/v1/apps/{custom}", Ct), HttpStatusCode.Conflict);
        Assert.Equal($"app \"Custom Invoicing\" is used by billing profiles \"Custom Invoicing Billing Profile\" ({profile}); delete those profiles first", detail);
        await ProblemAsync(await server.Admin.DeleteAsync($"/api/v1/apps/{sandboxId}", Ct), HttpStatusCode.Conflict);
        Assert.Equal(2, (await GetJsonAsync(server, "/api/v1/apps")).GetProperty("totalCount").GetInt32());

        await ExpectAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{profile}", Ct), HttpStatusCode.NoContent);
        await ExpectAsync(await server.Admin.DeleteAsync($"/api/v1/apps/{custom}", Ct), HttpStatusCode.NoContent);
        Assert.Equal(sandboxId, Assert.Single((await GetJsonAsync(server, "/api/v1/apps")).GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        await ProblemAsync(await server.GetAsync($"/api/v1/apps/{custom}"), HttpStatusCode.NotFound);
        await ProblemAsync(await server.Admin.DeleteAsync($"/api/v1/apps/{custom}", Ct), HttpStatusCode.NotFound);

        // A new profile cannot use an uninstalled app.
        await BadRequestAsync(await server.PostJsonAsync("/api/v1/billing/profiles", $$$"""
            {"name":"P","supplier":{"name":"S"},"default":false,"apps":{"tax":"{{{sandboxId}}}","invoicing":"{{{custom}}}","payment":"{{{sandboxId}}}"}}
            """), "apps.invoicing");
    }
}

public sealed class AppsApiTestsOnSqlite() : AppsApiTests(TestStore.Sqlite);

public sealed class AppsApiTestsOnPostgres() : AppsApiTests(TestStore.Postgres);
