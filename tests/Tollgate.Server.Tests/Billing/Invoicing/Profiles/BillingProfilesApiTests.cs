using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.Profiles.BillingApi;

namespace Tollgate.Server.Tests.Billing.Invoicing.Profiles;

public abstract class BillingProfilesApiTests(TestStore store)
{
    private const string DefaultWorkflow = """{"collection":{"alignment":{"type":"subscription"},"interval":"PT1H"},"invoicing":{"autoAdvance":true,"draftPeriod":"P0D","dueAfter":"P30D","progressiveBilling":true,"subscriptionEndProrationMode":"bill_actual_period"},"payment":{"collectionMethod":"charge_automatically"},"tax":{"enabled":true,"enforced":false}}""";

    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_fresh_store_has_the_sandbox_app_and_a_default_profile_using_it()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await store.StartAsync(time: clock);

        var apps = await GetJsonAsync(server, "/api/v1/apps");
        Assert.Equal(1, apps.GetProperty("totalCount").GetInt32());
        var sandbox = Assert.Single(apps.GetProperty("items").EnumerateArray());
        Assert.Equal("sandbox", sandbox.GetProperty("type").GetString());
        Assert.Equal("Sandbox", sandbox.GetProperty("name").GetString());
        Assert.Equal("ready", sandbox.GetProperty("status").GetString());
        Assert.Equal("2026-03-01T09:00:00Z", sandbox.GetProperty("createdAt").GetString());
        Assert.Equal(
            """{"type":"sandbox","name":"Sandbox","description":"Sandbox can be used to test OpenMeter without external connections.","capabilities":[{"type":"collectPayments","key":"sandbox_collect_payment","name":"Payment","description":"Process payments"},{"type":"calculateTax","key":"sandbox_calculate_tax","name":"Calculate Tax","description":"Calculate tax for a payment"},{"type":"invoiceCustomers","key":"sandbox_invoice_customer","name":"Invoice Customer","description":"Invoice a customer"}],"installMethods":["no_credentials_required"]}""",
            sandbox.GetProperty("listing").GetRawText());
        Assert.False(sandbox.TryGetProperty("enableDraftSyncHook", out _));
        var sandboxId = sandbox.GetProperty("id").GetString()!;

        var profiles = await GetJsonAsync(server, "/api/v1/billing/profiles");
        var profile = Assert.Single(profiles.GetProperty("items").EnumerateArray());
        Assert.Equal("Default Billing Profile", profile.GetProperty("name").GetString());
        Assert.True(profile.GetProperty("default").GetBoolean());
        Assert.Equal("""{"name":"Tollgate"}""", profile.GetProperty("supplier").GetRawText());
        Assert.Equal(DefaultWorkflow, profile.GetProperty("workflow").GetRawText());
        Assert.Equal($$$"""{"tax":{"id":"{{{sandboxId}}}"},"invoicing":{"id":"{{{sandboxId}}}"},"payment":{"id":"{{{sandboxId}}}"}}""", profile.GetProperty("apps").GetRawText());

        var expanded = await GetJsonAsync(server, $"/api/v1/billing/profiles/{profile.GetProperty("id").GetString()}?expand=apps");
        Assert.Equal(sandbox.GetRawText(), expanded.GetProperty("apps").GetProperty("invoicing").GetRawText());
    }

    [Fact]
    public async Task The_defaults_are_created_once_and_kept_across_restarts()
    {
        var server = await store.StartAsync();
        try
        {
            var (profileId, sandboxId) = await DefaultsAsync(server);
            server = await server.RestartAsync();
            Assert.Equal((profileId, sandboxId), await DefaultsAsync(server));
            Assert.Equal(1, (await GetJsonAsync(server, "/api/v1/apps")).GetProperty("totalCount").GetInt32());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Create_get_replace_list_and_delete_a_profile()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await store.StartAsync(time: clock);
        var (defaultId, sandboxId) = await DefaultsAsync(server);
        clock.Advance(TimeSpan.FromMinutes(1));

        using var created = await server.PostJsonAsync("/api/v1/billing/profiles", $$$"""
            {"name":"Enterprise","description":"Net 45","metadata":{"tier":"gold"},"default":false,
             "supplier":{"name":"Kong Air Ltd","key":"kong","taxId":{"code":"GB123456789"},"addresses":[{"country":"GB","city":"London","line1":"1 High St"}]},
             "workflow":{"invoicing":{"dueAfter":"P45D","draftPeriod":"P2D","autoAdvance":false},"payment":{"collectionMethod":"send_invoice"},
                         "collection":{"alignment":{"recurringPeriod":{"anchor":"2026-01-01T00:00:00Z","interval":"MONTH"},"type":"anchored"}} },
             "apps":{"tax":"{{{sandboxId}}}","invoicing":"{{{sandboxId}}}","payment":"{{{sandboxId}}}"}}
            """);
        Assert.Equal("/api/v1/billing/profiles/", created.Headers.Location?.OriginalString[..^26]);
        var profile = await ExpectAsync(created, HttpStatusCode.Created);
        var id = profile.GetProperty("id").GetString()!;
        Assert.Matches("^[0-7][0-9A-HJKMNP-TV-Z]{25}$", id);
        Assert.False(profile.GetProperty("default").GetBoolean());
        Assert.Equal("2026-03-01T09:01:00Z", profile.GetProperty("createdAt").GetString());
        Assert.Equal("""{"key":"kong","name":"Kong Air Ltd","taxId":{"code":"GB123456789"},"addresses":[{"country":"GB","city":"London","line1":"1 High St"}]}""", profile.GetProperty("supplier").GetRawText());
        // Given fields replace the defaults; everything left out keeps them. MONTH is answered as ISO 8601.
        Assert.Equal(
            """{"collection":{"alignment":{"type":"anchored","recurringPeriod":{"interval":"P1M","anchor":"2026-01-01T00:00:00Z"}},"interval":"PT1H"},"invoicing":{"autoAdvance":false,"draftPeriod":"P2D","dueAfter":"P45D","progressiveBilling":true,"subscriptionEndProrationMode":"bill_actual_period"},"payment":{"collectionMethod":"send_invoice"},"tax":{"enabled":true,"enforced":false}}""",
            profile.GetProperty("workflow").GetRawText());
        Assert.Equal(profile.GetRawText(), (await GetJsonAsync(server, $"/api/v1/billing/profiles/{id}")).GetRawText());

        clock.Advance(TimeSpan.FromMinutes(1));
        var replaced = await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{id}", """
            {"name":"Enterprise EU","supplier":{"name":"Kong Air BV"},"default":false,"workflow":{"invoicing":{"progressiveBilling":false},"tax":{"enforced":true}}}
            """), HttpStatusCode.OK);
        Assert.Equal("Enterprise EU", replaced.GetProperty("name").GetString());
        Assert.False(replaced.TryGetProperty("description", out _));
        Assert.Equal("2026-03-01T09:01:00Z", replaced.GetProperty("createdAt").GetString());
        Assert.Equal("2026-03-01T09:02:00Z", replaced.GetProperty("updatedAt").GetString());
        // A replace: the workflow is what was sent over the defaults, not over the previous workflow.
        Assert.Equal(
            """{"collection":{"alignment":{"type":"subscription"},"interval":"PT1H"},"invoicing":{"autoAdvance":true,"draftPeriod":"P0D","dueAfter":"P30D","progressiveBilling":false,"subscriptionEndProrationMode":"bill_actual_period"},"payment":{"collectionMethod":"charge_automatically"},"tax":{"enabled":true,"enforced":true}}""",
            replaced.GetProperty("workflow").GetRawText());
        Assert.Equal(profile.GetProperty("apps").GetRawText(), replaced.GetProperty("apps").GetRawText());

        var byName = await GetJsonAsync(server, "/api/v1/billing/profiles?orderBy=name&order=DESC");
        Assert.Equal(["Enterprise EU", "Default Billing Profile"], byName.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToArray());
        var page = await GetJsonAsync(server, "/api/v1/billing/profiles?page=2&pageSize=1");
        Assert.Equal(2, page.GetProperty("totalCount").GetInt32());
        Assert.Equal(id, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var expanded = await GetJsonAsync(server, "/api/v1/billing/profiles?expand=apps&orderBy=default&order=DESC");
        var first = expanded.GetProperty("items")[0];
        Assert.Equal(defaultId, first.GetProperty("id").GetString());
        Assert.Equal("Sandbox", first.GetProperty("apps").GetProperty("tax").GetProperty("name").GetString());

        clock.Advance(TimeSpan.FromMinutes(1));
        await ExpectAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{id}", TestContext.Current.CancellationToken), HttpStatusCode.NoContent);
        Assert.Equal(1, (await GetJsonAsync(server, "/api/v1/billing/profiles")).GetProperty("totalCount").GetInt32());
        var archived = await GetJsonAsync(server, "/api/v1/billing/profiles?includeArchived=true&orderBy=name");
        Assert.Equal("2026-03-01T09:03:00Z", archived.GetProperty("items")[1].GetProperty("deletedAt").GetString());
        Assert.Equal("2026-03-01T09:03:00Z", (await GetJsonAsync(server, $"/api/v1/billing/profiles/{id}")).GetProperty("deletedAt").GetString());
        await ProblemAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{id}", TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        await ProblemAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{id}", """{"name":"x","supplier":{},"default":false}"""), HttpStatusCode.Conflict);
        await ProblemAsync(await server.GetAsync("/api/v1/billing/profiles/01JZZZZZZZZZZZZZZZZZZZZZZZ"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"supplier":{"name":"S"},"default":false,"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "name")]
    [InlineData("""{"name":" ","supplier":{"name":"S"},"default":false,"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "name")]
    [InlineData("""{"name":"P","default":false,"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "supplier")]
    [InlineData("""{"name":"P","supplier":{"addresses":[{"country":"GB"},{"country":"DE"}]},"default":false,"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "supplier.addresses")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false}""", "apps")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"apps":{"invoicing":"$","payment":"$"}}""", "apps.tax")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"apps":{"tax":"$","invoicing":"01JZZZZZZZZZZZZZZZZZZZZZZZ","payment":"$"}}""", "apps.invoicing")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"apps":{"tax":"$","invoicing":"$","payment":"nope"}}""", "apps.payment")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"invoicing":{"draftPeriod":"2 days"}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.invoicing.draftPeriod")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"invoicing":{"dueAfter":"P-1D"}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.invoicing.dueAfter")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"collection":{"interval":"1h"}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.collection.interval")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"collection":{"alignment":{"type":"weekly"}}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.collection.alignment.type")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"collection":{"alignment":{}}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.collection.alignment.type")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"collection":{"alignment":{"type":"anchored"}} },"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.collection.alignment.recurringPeriod")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"collection":{"alignment":{"type":"anchored","recurringPeriod":{"interval":"FORTNIGHT","anchor":"2026-01-01T00:00:00Z"}}}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.collection.alignment.recurringPeriod.interval")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"payment":{"collectionMethod":"cash"}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.payment.collectionMethod")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":false,"workflow":{"invoicing":{"subscriptionEndProrationMode":"bill_nothing"}},"apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "workflow.invoicing.subscriptionEndProrationMode")]
    [InlineData("""{"name":"P","supplier":{"name":"S"},"default":"yes","apps":{"tax":"$","invoicing":"$","payment":"$"}}""", "default")]
    public async Task Invalid_profiles_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        await using var server = await store.StartAsync();
        var (defaultId, sandboxId) = await DefaultsAsync(server);
        await BadRequestAsync(await server.PostJsonAsync("/api/v1/billing/profiles", json.Replace("\"$\"", $"\"{sandboxId}\"", StringComparison.Ordinal)), field);

        var profiles = await GetJsonAsync(server, "/api/v1/billing/profiles?includeArchived=true");
        Assert.Equal(defaultId, Assert.Single(profiles.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.True(profiles.GetProperty("items")[0].GetProperty("default").GetBoolean());
    }

    [Fact]
    public async Task Invalid_replacements_are_refused_naming_the_field_and_change_nothing()
    {
        await using var server = await store.StartAsync();
        var (defaultId, _) = await DefaultsAsync(server);
        var before = (await GetJsonAsync(server, $"/api/v1/billing/profiles/{defaultId}")).GetRawText();

        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{defaultId}", """{"name":"D","supplier":{"name":"S"},"default":true,"workflow":{"invoicing":{"draftPeriod":"P1X"}}}"""), "workflow.invoicing.draftPeriod");
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{defaultId}", """{"supplier":{"name":"S"},"default":true}"""), "name");
        // Billing always has a default: it moves by making another profile the default, never by unsetting it.
        var reason = await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{defaultId}", """{"name":"D","supplier":{"name":"S"},"default":false}"""), "default");
        Assert.Contains("another profile the default", reason, StringComparison.Ordinal);

        Assert.Equal(before, (await GetJsonAsync(server, $"/api/v1/billing/profiles/{defaultId}")).GetRawText());
    }

    [Fact]
    public async Task Making_a_profile_the_default_undefaults_the_previous_one_and_the_default_cannot_be_deleted()
    {
        await using var server = await store.StartAsync();
        var (firstDefault, sandboxId) = await DefaultsAsync(server);
        var apps = $$$"""{"tax":"{{{sandboxId}}}","invoicing":"{{{sandboxId}}}","payment":"{{{sandboxId}}}"}""";

        var second = await CreateProfileAsync(server, $$$"""{"name":"Second","supplier":{"name":"S"},"default":true,"apps":{{{apps}}}}""");
        Assert.Equal([second], await DefaultIdsAsync(server));

        var third = await CreateProfileAsync(server, $$$"""{"name":"Third","supplier":{"name":"S"},"default":false,"apps":{{{apps}}}}""");
        Assert.Equal([second], await DefaultIdsAsync(server));

        await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{third}", """{"name":"Third","supplier":{"name":"S"},"default":true}"""), HttpStatusCode.OK);
        Assert.Equal([third], await DefaultIdsAsync(server));

        var reason = await BadRequestAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{third}", TestContext.Current.CancellationToken), "default");
        Assert.Contains("cannot be deleted", reason, StringComparison.Ordinal);
        await ExpectAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{firstDefault}", TestContext.Current.CancellationToken), HttpStatusCode.NoContent);
        await ExpectAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{second}", TestContext.Current.CancellationToken), HttpStatusCode.NoContent);
        Assert.Equal([third], await DefaultIdsAsync(server));
    }

    private static async Task<string[]> DefaultIdsAsync(TollgateServer server)
    {
        var profiles = await GetJsonAsync(server, "/api/v1/billing/profiles?includeArchived=true");
        return [.. profiles.GetProperty("items").EnumerateArray().Where(p => p.GetProperty("default").GetBoolean()).Select(p => p.GetProperty("id").GetString()!)];
    }
}

public sealed class BillingProfilesApiTestsOnSqlite() : BillingProfilesApiTests(TestStore.Sqlite);

public sealed class BillingProfilesApiTestsOnPostgres() : BillingProfilesApiTests(TestStore.Postgres);
