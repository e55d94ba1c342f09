using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;

namespace Tollgate.Server.Tests.Billing.Invoicing;

/// <summary>
/// The invoice actions and the app seam, over HTTP: manual approval, a draft deleted (its lines pending again), pending
/// one-off lines invoiced now, void, refusals that change nothing, and the custom invoicing app's hooks driving an
/// invoice from draft to paid.
/// </summary>
public abstract class InvoiceActionsTests(TestStore store)
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Manual_approval_holds_a_draft_until_approved_and_a_deleted_draft_gives_its_lines_back()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "token", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "token");
        await PutOverrideAsync(server, customer, """{"workflow":{"invoicing":{"autoAdvance":false}}}""");

        // A one-off charge, due now, next to the usage.
        clock.Advance(TimeSpan.FromDays(3));
        await UseAsync(server, "acme", 250, Jan1.AddDays(1));
        var pending = await PostAsync(server, $"/api/v1/billing/customers/{customer}/invoices/pending-lines", $$"""
            {"currency":"USD","lines":[{"name":"Onboarding","period":{"from":"{{Iso(Jan1)}}","to":"{{Iso(Jan1.AddDays(1))}}"},"invoiceAt":"{{Iso(Jan1.AddDays(2))}}",
              "rateCard":{"price":{"type":"flat","amount":"99.5"} } }]}
            """, HttpStatusCode.Created);
        Assert.True(pending.GetProperty("isInvoiceNew").GetBoolean());
        Assert.Equal("99.5", Single(pending.GetProperty("lines")).GetProperty("totals").GetProperty("total").GetString());

        // Invoice now: progressive billing (the default) bills usage so far next to the due one-off charge.
        var drafts = await PostAsync(server, "/api/v1/billing/invoices/invoice", $$"""{"customerId":"{{customer}}"}""", HttpStatusCode.Created);
        var draft = Single(drafts);
        Assert.Equal("draft", draft.GetProperty("status").GetString());
        Assert.Equal("draft.manual_approval_needed", draft.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());
        Assert.Equal(2.50m, Total(Line(draft, "ai-token")));
        Assert.Equal(99.50m, Total(Line(draft, "Onboarding")));
        Assert.Equal("102", draft.GetProperty("totals").GetProperty("total").GetString());
        Assert.DoesNotContain(Lines(await GatheringAsync(server, customer)), l => l.GetProperty("name").GetString() == "Onboarding");
        var id = draft.GetProperty("id").GetString();

        // Advance is not an action of a draft waiting for approval: 400, nothing changes.
        await RefusedAsync(server, $"/api/v1/billing/invoices/{id}/advance");

        // Deleted: the one-off charge is pending again, and the usage is previewed again from the period's start.
        using (var deleted = await server.Admin.DeleteAsync($"/api/v1/billing/invoices/{id}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var gathering = await GatheringAsync(server, customer);
        Assert.Equal(99.50m, Total(Line(gathering, "Onboarding")));
        Assert.Equal(2.50m, Total(Line(gathering, "ai-token")));

        // Again, approved this time: numbered and paid by the sandbox.
        draft = Single(await PostAsync(server, "/api/v1/billing/invoices/invoice", $$"""{"customerId":"{{customer}}"}""", HttpStatusCode.Created));
        var approved = await PostAsync(server, $"/api/v1/billing/invoices/{draft.GetProperty("id").GetString()}/approve", "");
        Assert.Equal("paid", approved.GetProperty("status").GetString());
        Assert.Equal("INV-000001", approved.GetProperty("number").GetString());
        Assert.True(approved.GetProperty("statusDetails").GetProperty("immutable").GetBoolean());
        await RefusedAsync(server, $"/api/v1/billing/invoices/{draft.GetProperty("id").GetString()}/approve");

        var voided = await PostAsync(server, $"/api/v1/billing/invoices/{draft.GetProperty("id").GetString()}/void", "");
        Assert.Equal("voided", voided.GetProperty("status").GetString());

        // Nothing is left to invoice now: the usage so far and the charge are on the voided invoice (forgiven, not re-billed).
        await RefusedAsync(server, "/api/v1/billing/invoices/invoice", $$"""{"customerId":"{{customer}}"}""");

        // Paged one at a time, oldest first: the gathering invoice (created with the customer), then the voided one;
        // the deleted draft is not listed.
        foreach (var (page, status) in new[] { (1, "gathering"), (2, "voided") })
        {
            using var listed = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/billing/invoices?customers={customer}&orderBy=createdAt&page={page}&pageSize=1"));
            Assert.Equal(2, listed.RootElement.GetProperty("totalCount").GetInt32());
            var item = Assert.Single(listed.RootElement.GetProperty("items").EnumerateArray().ToList());
            Assert.Equal(status, item.GetProperty("status").GetString());
            Assert.Equal(status, item.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());
        }
    }

    [Fact]
    public async Task The_custom_invoicing_app_reports_back_through_its_hooks()
    {
        var clock = new FakeTimeProvider(Jan1);
        await using var server = await store.StartAsync(time: clock);
        await CatalogAsync(server);
        await PlanAsync(server, "token", UsageCard("""{"type":"unit","amount":"0.01"}"""));
        var customer = await CustomerAsync(server, "acme");
        await SubscribeAsync(server, "acme", "token");

        var installed = await PostAsync(server, "/api/v1/marketplace/listings/custom_invoicing/install", """{"name":"Our ERP","createBillingProfile":false}""");
        var app = installed.GetProperty("app").GetProperty("id").GetString();
        using (var hooks = await server.Admin.PutAsync($"/api/v1/apps/{app}", Json("""{"type":"custom_invoicing","name":"Our ERP","enableDraftSyncHook":true,"enableIssuingSyncHook":true}"""), Ct))
        {
            Assert.True(hooks.IsSuccessStatusCode, await hooks.Content.ReadAsStringAsync(Ct));
        }

        var profile = await CreateAsync(server, "/api/v1/billing/profiles", $$"""
            {"name":"ERP","supplier":{"name":"Tollgate Ltd"},"default":false,"workflow":{},"apps":{"tax":"{{app}}","invoicing":"{{app}}","payment":"{{app}}"} }
            """);
        await PutOverrideAsync(server, customer, $$"""{"billingProfileId":"{{profile}}"}""");

        clock.Advance(TimeSpan.FromDays(5));
        await UseAsync(server, "acme", 1_000, Jan1.AddDays(1));
        var draft = Single(await PostAsync(server, "/api/v1/billing/invoices/invoice", $$"""{"customerId":"{{customer}}"}""", HttpStatusCode.Created));
        var id = draft.GetProperty("id").GetString();
        Assert.Equal("draft.syncing", draft.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());
        Assert.Equal(10.00m, Total(Line(draft, "ai-token")));

        // The ERP has the draft: auto-advance with no draft period issues it, and issuing waits for the ERP again.
        await HookAsync(server, $"/api/v1/apps/custom-invoicing/{id}/draft/synchronized", """{"invoicing":{"externalId":"erp-draft-7"}}""");
        await BillAsync(server);
        var issuing = await InvoiceAsync(server, id!);
        Assert.Equal("issuing", issuing.GetProperty("status").GetString());
        Assert.Equal("issuing.syncing", issuing.GetProperty("statusDetails").GetProperty("extendedStatus").GetString());

        await HookAsync(server, $"/api/v1/apps/custom-invoicing/{id}/issuing/synchronized", """{"invoicing":{"invoiceNumber":"ERP-2026-001"},"payment":{"externalId":"pay-1"}}""");
        var issued = await InvoiceAsync(server, id!);
        Assert.Equal("payment_processing", issued.GetProperty("status").GetString());
        Assert.Equal("ERP-2026-001", issued.GetProperty("number").GetString());
        Assert.Equal("pay-1", issued.GetProperty("externalIds").GetProperty("payment").GetString());

        // A trigger the invoice cannot take is refused; paid is taken.
        using (var wrong = await server.PostJsonAsync($"/api/v1/apps/custom-invoicing/{id}/payment/status", """{"trigger":"refunded"}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        await HookAsync(server, $"/api/v1/apps/custom-invoicing/{id}/payment/status", """{"trigger":"paid"}""");
        Assert.Equal("paid", (await InvoiceAsync(server, id!)).GetProperty("status").GetString());
        using (var again = await server.PostJsonAsync($"/api/v1/apps/custom-invoicing/{id}/issuing/synchronized", "{}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        }
    }

    [Fact]
    public async Task Simulate_prices_given_quantities_without_storing_anything()
    {
        await using var server = await store.StartAsync();
        await CatalogAsync(server);
        var customer = await CustomerAsync(server, "acme");
        var simulated = await PostAsync(server, $"/api/v1/billing/customers/{customer}/invoices/simulate", """
            {"currency":"USD","lines":[
              {"name":"tokens","period":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"},"invoiceAt":"2026-02-01T00:00:00Z","quantity":"1234567",
               "rateCard":{"featureKey":"ai_token","price":{"type":"tiered","mode":"graduated","tiers":[{"upToAmount":"1000000","unitPrice":{"type":"unit","amount":"0.00002"}},{"unitPrice":{"type":"unit","amount":"0.00001"}}]}}},
              {"name":"seat","period":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"},"invoiceAt":"2026-01-01T00:00:00Z","quantity":"1",
               "rateCard":{"price":{"type":"flat","amount":"49"}}}]}
            """);

        // 1,000,000 × 0.00002 = 20.00 and 234,567 × 0.00001 = 2.34567 → 2.35; plus 49.00. (Decimals are written as
        // OpenMeter writes them, without trailing zeros.)
        var tokens = Line(simulated, "tokens");
        Assert.Equal(["20", "2.35"], tokens.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("totals").GetProperty("total").GetString()));
        Assert.Equal(22.35m, Total(tokens));
        Assert.Equal("71.35", simulated.GetProperty("totals").GetProperty("total").GetString());
        Assert.Empty(await InvoicesAsync(server, customer));

        using var invalid = await server.PostJsonAsync($"/api/v1/billing/customers/{customer}/invoices/simulate", """{"currency":"XYZ","lines":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("currency", await invalid.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static JsonElement Single(JsonElement array) => Assert.Single(array.EnumerateArray().ToList());

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task PutOverrideAsync(TollgateServer server, string customer, string json)
    {
        using var response = await server.Admin.PutAsync($"/api/v1/billing/customers/{customer}", Json(json), Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task HookAsync(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static async Task<JsonElement> InvoiceAsync(TollgateServer server, string id)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/billing/invoices/{id}?expand=lines"));
        return document.RootElement.Clone();
    }

    private static async Task RefusedAsync(TollgateServer server, string path, string json = "")
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class InvoiceActionsTestsOnSqlite() : InvoiceActionsTests(TestStore.Sqlite);

public sealed class InvoiceActionsTestsOnPostgres() : InvoiceActionsTests(TestStore.Postgres);
