using System.Net;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.Profiles.BillingApi;

namespace Tollgate.Server.Tests.Billing.Invoicing.Profiles;

public abstract class CustomerOverridesApiTests(TestStore store)
{
    private const string DefaultWorkflow = """{"collection":{"alignment":{"type":"subscription"},"interval":"PT1H"},"invoicing":{"autoAdvance":true,"draftPeriod":"P0D","dueAfter":"P30D","progressiveBilling":true,"subscriptionEndProrationMode":"bill_actual_period"},"payment":{"collectionMethod":"charge_automatically"},"tax":{"enabled":true,"enforced":false}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_customer_without_an_override_is_answered_with_the_default_profile()
    {
        await using var server = await store.StartAsync();
        var (defaultId, sandboxId) = await DefaultsAsync(server);
        var customer = await CreateCustomerAsync(server, """{"name":"Kong Air","key":"kong_air"}""");

        var details = await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}");
        Assert.False(details.TryGetProperty("customerOverride", out _));
        Assert.Equal(defaultId, details.GetProperty("baseBillingProfileId").GetString());
        Assert.Equal(
            $$$"""{"supplier":{"name":"Tollgate"},"workflow":{{{DefaultWorkflow}}},"apps":{"tax":{"id":"{{{sandboxId}}}"},"invoicing":{"id":"{{{sandboxId}}}"},"payment":{"id":"{{{sandboxId}}}"}""" + "}}",
            details.GetProperty("customerProfile").GetRawText());
        Assert.False(details.TryGetProperty("customer", out _));

        // By key too, and expanded.
        var expanded = await GetJsonAsync(server, "/api/v1/billing/customers/kong_air?expand=apps,customer");
        Assert.Equal("Sandbox", expanded.GetProperty("customerProfile").GetProperty("apps").GetProperty("payment").GetProperty("name").GetString());
        Assert.Equal(customer, expanded.GetProperty("customer").GetProperty("id").GetString());
        Assert.Equal("Kong Air", expanded.GetProperty("customer").GetProperty("name").GetString());

        await ProblemAsync(await server.GetAsync("/api/v1/billing/customers/nobody"), HttpStatusCode.NotFound);
        await BadRequestAsync(await server.GetAsync($"/api/v1/billing/customers/{customer}?expand=invoices"), "expand");
    }

    [Fact]
    public async Task An_override_pins_a_profile_and_merges_its_workflow_settings_until_it_is_deleted()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var server = await store.StartAsync(time: clock);
        var (defaultId, sandboxId) = await DefaultsAsync(server);
        var enterprise = await CreateProfileAsync(server, $$$"""
            {"name":"Enterprise","supplier":{"name":"Kong Air Ltd"},"default":false,"workflow":{"invoicing":{"dueAfter":"P45D"},"payment":{"collectionMethod":"send_invoice"}},
             "apps":{"tax":"{{{sandboxId}}}","invoicing":"{{{sandboxId}}}","payment":"{{{sandboxId}}}"}}
            """);
        var customer = await CreateCustomerAsync(server, """{"name":"Kong Air","key":"kong_air"}""");
        clock.Advance(TimeSpan.FromMinutes(1));

        var pinned = await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/customers/{customer}", $$$"""
            {"billingProfileId":"{{{enterprise}}}","workflow":{"invoicing":{"draftPeriod":"P3D"},"collection":{"interval":"PT2H"}} }
            """), HttpStatusCode.OK);
        Assert.Equal(
            $$$"""{"customerId":"{{{customer}}}","billingProfileId":"{{{enterprise}}}","workflow":{"collection":{"interval":"PT2H"},"invoicing":{"draftPeriod":"P3D"}},"createdAt":"2026-03-01T09:01:00Z","updatedAt":"2026-03-01T09:01:00Z"}""",
            pinned.GetProperty("customerOverride").GetRawText());
        Assert.Equal(enterprise, pinned.GetProperty("baseBillingProfileId").GetString());
        // The customer's settings over the pinned profile's, over OpenMeter's defaults.
        Assert.Equal(
            """{"collection":{"alignment":{"type":"subscription"},"interval":"PT2H"},"invoicing":{"autoAdvance":true,"draftPeriod":"P3D","dueAfter":"P45D","progressiveBilling":true,"subscriptionEndProrationMode":"bill_actual_period"},"payment":{"collectionMethod":"send_invoice"},"tax":{"enabled":true,"enforced":false}}""",
            pinned.GetProperty("customerProfile").GetProperty("workflow").GetRawText());
        Assert.Equal("""{"name":"Kong Air Ltd"}""", pinned.GetProperty("customerProfile").GetProperty("supplier").GetRawText());
        Assert.Equal(pinned.GetRawText(), (await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}")).GetRawText());

        // A pinned profile cannot be deleted.
        var reason = await BadRequestAsync(await server.Admin.DeleteAsync($"/api/v1/billing/profiles/{enterprise}", Ct), "id");
        Assert.Contains(customer, reason, StringComparison.Ordinal);

        // Upserting again replaces the override and keeps when it was created; without a profile it follows the default.
        clock.Advance(TimeSpan.FromMinutes(1));
        var unpinned = await ExpectAsync(await PutJsonAsync(server, "/api/v1/billing/customers/kong_air", """{"workflow":{"tax":{"enforced":true}}}"""), HttpStatusCode.OK);
        Assert.Equal(
            $$$"""{"customerId":"{{{customer}}}","workflow":{"tax":{"enforced":true}},"createdAt":"2026-03-01T09:01:00Z","updatedAt":"2026-03-01T09:02:00Z"}""",
            unpinned.GetProperty("customerOverride").GetRawText());
        Assert.Equal(defaultId, unpinned.GetProperty("baseBillingProfileId").GetString());
        Assert.Equal(DefaultWorkflow.Replace("\"enforced\":false", "\"enforced\":true", StringComparison.Ordinal), unpinned.GetProperty("customerProfile").GetProperty("workflow").GetRawText());

        // The default moving moves the unpinned customer with it.
        await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/profiles/{enterprise}", """{"name":"Enterprise","supplier":{"name":"Kong Air Ltd"},"default":true}"""), HttpStatusCode.OK);
        Assert.Equal(enterprise, (await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}")).GetProperty("baseBillingProfileId").GetString());

        await ExpectAsync(await server.Admin.DeleteAsync($"/api/v1/billing/customers/{customer}", Ct), HttpStatusCode.NoContent);
        var after = await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}");
        Assert.False(after.TryGetProperty("customerOverride", out _));
        Assert.Equal(DefaultWorkflow, after.GetProperty("customerProfile").GetProperty("workflow").GetRawText());
        await ProblemAsync(await server.Admin.DeleteAsync($"/api/v1/billing/customers/{customer}", Ct), HttpStatusCode.NotFound);
        await ProblemAsync(await server.Admin.DeleteAsync("/api/v1/billing/customers/nobody", Ct), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"billingProfileId":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}""", "billingProfileId")]
    [InlineData("""{"workflow":{"invoicing":{"dueAfter":"30 days"}}}""", "workflow.invoicing.dueAfter")]
    [InlineData("""{"workflow":{"payment":{"collectionMethod":"cheque"}}}""", "workflow.payment.collectionMethod")]
    [InlineData("""{"workflow":{"collection":{"alignment":{"type":"anchored","recurringPeriod":{"interval":"P1M"}}}}}""", "workflow.collection.alignment.recurringPeriod.anchor")]
    [InlineData("""{"billingProfileId":5}""", "billingProfileId")]
    public async Task Invalid_overrides_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        await using var server = await store.StartAsync();
        var customer = await CreateCustomerAsync(server, """{"name":"Kong Air"}""");
        await BadRequestAsync(await PutJsonAsync(server, $"/api/v1/billing/customers/{customer}", json), field);
        Assert.False((await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}")).TryGetProperty("customerOverride", out _));
        await ProblemAsync(await PutJsonAsync(server, "/api/v1/billing/customers/nobody", "{}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_list_filters_pages_and_orders_customers_with_their_merged_profiles()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var server = await store.StartAsync(time: clock);
        var (defaultId, sandboxId) = await DefaultsAsync(server);
        var other = await CreateProfileAsync(server, $$$"""{"name":"Other","supplier":{"name":"S"},"default":false,"apps":{"tax":"{{{sandboxId}}}","invoicing":"{{{sandboxId}}}","payment":"{{{sandboxId}}}"}}""");
        var alpha = await CreateCustomerAsync(server, """{"name":"Alpha","key":"alpha","primaryEmail":"ops@alpha.example"}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        var beta = await CreateCustomerAsync(server, """{"name":"Beta","key":"beta"}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        var gamma = await CreateCustomerAsync(server, """{"name":"Gamma","key":"gamma"}""");
        await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/customers/{beta}", $$$"""{"billingProfileId":"{{{other}}}"}"""), HttpStatusCode.OK);
        await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/customers/{gamma}", """{"workflow":{"invoicing":{"autoAdvance":false}}}"""), HttpStatusCode.OK);

        Assert.Equal([alpha, beta, gamma], await CustomersAsync(server, "orderBy=customerName"));
        Assert.Equal([gamma, beta, alpha], await CustomersAsync(server, "orderBy=customerName&order=DESC"));
        Assert.Equal([beta, gamma], await CustomersAsync(server, "includeAllCustomers=false&orderBy=customerName"));
        Assert.Equal([alpha, gamma], await CustomersAsync(server, "customersWithoutPinnedProfile=true&orderBy=customerName"));
        Assert.Equal([beta], await CustomersAsync(server, $"billingProfile={other}"));
        Assert.Equal([alpha, gamma], await CustomersAsync(server, $"billingProfile={defaultId}&orderBy=customerKey"));
        Assert.Equal([alpha], await CustomersAsync(server, "customerPrimaryEmail=ALPHA.example"));
        Assert.Equal([gamma], await CustomersAsync(server, "customerName=amm"));
        Assert.Equal([beta], await CustomersAsync(server, "customerKey=bet"));
        Assert.Equal([alpha, gamma], await CustomersAsync(server, $"customerId={gamma}&customerId={alpha}&orderBy=customerCreatedAt"));

        var page = await GetJsonAsync(server, "/api/v1/billing/customers?orderBy=customerName&page=2&pageSize=2&expand=apps");
        Assert.Equal(3, page.GetProperty("totalCount").GetInt32());
        var last = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(gamma, last.GetProperty("customerOverride").GetProperty("customerId").GetString());
        Assert.False(last.GetProperty("customerProfile").GetProperty("workflow").GetProperty("invoicing").GetProperty("autoAdvance").GetBoolean());
        Assert.Equal("sandbox", last.GetProperty("customerProfile").GetProperty("apps").GetProperty("tax").GetProperty("type").GetString());

        await BadRequestAsync(await server.GetAsync("/api/v1/billing/customers?orderBy=customerAge"), "orderBy");
        await BadRequestAsync(await server.GetAsync("/api/v1/billing/customers?includeAllCustomers=maybe"), "includeAllCustomers");
    }

    [Fact]
    public async Task Profiles_and_overrides_read_back_from_the_store_as_they_were_answered()
    {
        var server = await store.StartAsync();
        try
        {
            var (_, sandboxId) = await DefaultsAsync(server);
            var profile = await CreateProfileAsync(server, $$$"""
                {"name":"Anchored","supplier":{"name":"S","addresses":[{"country":"NL"}]},"default":false,
                 "workflow":{"collection":{"alignment":{"type":"anchored","recurringPeriod":{"interval":"P1M","anchor":"2026-01-01T00:00:00Z"} } },"invoicing":{"defaultTaxConfig":{"behavior":"exclusive"} } },
                 "apps":{"tax":"{{{sandboxId}}}","invoicing":"{{{sandboxId}}}","payment":"{{{sandboxId}}}"}}
                """);
            var customer = await CreateCustomerAsync(server, """{"name":"Kong Air"}""");
            await ExpectAsync(await PutJsonAsync(server, $"/api/v1/billing/customers/{customer}", $$$"""
                {"billingProfileId":"{{{profile}}}","workflow":{"collection":{"alignment":{"type":"anchored","recurringPeriod":{"interval":"YEAR","anchor":"2026-02-01T00:00:00Z"} } },"payment":{"collectionMethod":"send_invoice"} } }
                """), HttpStatusCode.OK);
            var before = (await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}?expand=apps")).GetRawText();
            var profileBefore = (await GetJsonAsync(server, $"/api/v1/billing/profiles/{profile}")).GetRawText();
            Assert.Contains("\"recurringPeriod\":{\"interval\":\"P1Y\",\"anchor\":\"2026-02-01T00:00:00Z\"}", before, StringComparison.Ordinal);
            Assert.Contains("\"defaultTaxConfig\":{\"behavior\":\"exclusive\"}", profileBefore, StringComparison.Ordinal);

            server = await server.RestartAsync();
            Assert.Equal(before, (await GetJsonAsync(server, $"/api/v1/billing/customers/{customer}?expand=apps")).GetRawText());
            Assert.Equal(profileBefore, (await GetJsonAsync(server, $"/api/v1/billing/profiles/{profile}")).GetRawText());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<string[]> CustomersAsync(TollgateServer server, string query)
    {
        var page = await GetJsonAsync(server, $"/api/v1/billing/customers?expand=customer&{query}");
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("customer").GetProperty("id").GetString()!)];
    }
}

public sealed class CustomerOverridesApiTestsOnSqlite() : CustomerOverridesApiTests(TestStore.Sqlite);

public sealed class CustomerOverridesApiTestsOnPostgres() : CustomerOverridesApiTests(TestStore.Postgres);
