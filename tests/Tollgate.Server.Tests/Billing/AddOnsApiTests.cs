using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing;

public abstract class AddOnsApiTests(TestStore store)
{
    private const string ExtraTokens = """
        {"name":"Extra tokens","key":"extra_tokens","instanceType":"multiple","currency":"USD","rateCards":[
          {"type":"flat_fee","key":"ai_token","name":"1M tokens","featureKey":"ai_token","entitlementTemplate":{"type":"metered","issueAfterReset":1000000},"billingCadence":"P1M","price":{"type":"flat","amount":"20","paymentTerm":"in_advance"}}]}
        """;

    [Fact]
    public async Task An_add_on_is_created_published_attached_to_a_plan_and_archived()
    {
        var clock = new FakeTimeProvider(Catalog.T("2026-04-01T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await Catalog.AiTokenFeatureAsync(server);

        var (created, addon) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/addons", ExtraTokens);
        Assert.True(created == HttpStatusCode.Created, addon.GetRawText());
        var addonId = addon.GetProperty("id").GetString()!;
        Assert.Equal("draft", addon.GetProperty("status").GetString());
        Assert.Equal(1, addon.GetProperty("version").GetInt32());
        Assert.Equal("multiple", addon.GetProperty("instanceType").GetString());
        Assert.Equal(
            """{"type":"flat_fee","key":"ai_token","name":"1M tokens","featureKey":"ai_token","entitlementTemplate":{"type":"metered","isSoftLimit":false,"issueAfterReset":1000000,"preserveOverageAtReset":false},"billingCadence":"P1M","price":{"type":"flat","amount":"20","paymentTerm":"in_advance"}}""",
            Assert.Single(addon.GetProperty("rateCards").EnumerateArray()).GetRawText());

        var (_, plan) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans", Catalog.TokenPlan);
        var planId = plan.GetProperty("id").GetString()!;

        // A draft add-on cannot be offered yet.
        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{addonId}}","fromPlanPhase":"default","maxQuantity":5}""", "addonId");

        clock.Advance(TimeSpan.FromHours(1));
        var (published, active) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/addons/{addonId}/publish");
        Assert.Equal(HttpStatusCode.OK, published);
        Assert.Equal("active", active.GetProperty("status").GetString());
        Assert.Equal("2026-04-01T01:00:00Z", active.GetProperty("effectiveFrom").GetString());
        var (replaceActive, _) = await Catalog.SendAsync(server, HttpMethod.Put, $"/api/v1/addons/{addonId}", """{"name":"x","instanceType":"single","rateCards":[]}""");
        Assert.Equal(HttpStatusCode.Conflict, replaceActive);

        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{addonId}}","fromPlanPhase":"default","maxQuantity":0}""", "maxQuantity");
        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{addonId}}","fromPlanPhase":"trial","maxQuantity":5}""", "fromPlanPhase");
        var (attached, assignment) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{addonId}}","fromPlanPhase":"default","maxQuantity":5}""");
        Assert.True(attached == HttpStatusCode.Created, assignment.GetRawText());
        Assert.Equal(5, assignment.GetProperty("maxQuantity").GetInt32());
        Assert.Equal(addonId, assignment.GetProperty("addon").GetProperty("id").GetString());
        Assert.Equal("active", assignment.GetProperty("addon").GetProperty("status").GetString());
        var (again, _) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{addonId}}","fromPlanPhase":"default","maxQuantity":2}""");
        Assert.Equal(HttpStatusCode.Conflict, again);

        var (updated, changed) = await Catalog.SendAsync(server, HttpMethod.Put, $"/api/v1/plans/{planId}/addons/{addonId}", """{"fromPlanPhase":"default","maxQuantity":10}""");
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal(10, changed.GetProperty("maxQuantity").GetInt32());

        clock.Advance(TimeSpan.FromHours(1));
        var (planPublished, _) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{planId}/publish");
        Assert.Equal(HttpStatusCode.OK, planPublished);

        // The plan is published: its add-ons are fixed until the next version.
        var (editPublished, _) = await Catalog.SendAsync(server, HttpMethod.Delete, $"/api/v1/plans/{planId}/addons/{addonId}");
        Assert.Equal(HttpStatusCode.Conflict, editPublished);
        using (var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans/token/addons")))
        {
            Assert.Equal(1, list.RootElement.GetProperty("totalCount").GetInt32());
            var item = list.RootElement.GetProperty("items")[0];
            Assert.Equal("default", item.GetProperty("fromPlanPhase").GetString());
            Assert.Equal(10, item.GetProperty("maxQuantity").GetInt32());
        }

        using (var byAddonKey = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/plans/{planId}/addons/extra_tokens")))
        {
            Assert.Equal(addonId, byAddonKey.RootElement.GetProperty("addon").GetProperty("id").GetString());
        }

        // The next plan version offers the same add-on.
        var (_, next) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans/token/next");
        using (var nextAddons = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/plans/{next.GetProperty("id").GetString()}/addons")))
        {
            Assert.Equal(addonId, Assert.Single(nextAddons.RootElement.GetProperty("items").EnumerateArray()).GetProperty("addon").GetProperty("id").GetString());
        }

        clock.Advance(TimeSpan.FromDays(2));
        var (archived, archivedAddon) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/addons/{addonId}/archive");
        Assert.Equal(HttpStatusCode.OK, archived);
        Assert.Equal("archived", archivedAddon.GetProperty("status").GetString());
        Assert.Equal("2026-04-03T02:00:00Z", archivedAddon.GetProperty("effectiveTo").GetString());

        // The draft plan version now offers an archived add-on, so it cannot be published.
        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{next.GetProperty("id").GetString()}/publish", null, "addonId");

        using var archivedList = JsonDocument.Parse(await server.GetStringAsync("/api/v1/addons?status=archived"));
        Assert.Equal(addonId, Assert.Single(archivedList.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Add_on_versions_by_key_and_single_instance_rules()
    {
        var clock = new FakeTimeProvider(Catalog.T("2026-05-01T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await Catalog.AiTokenFeatureAsync(server);
        const string support = """{"name":"Support","key":"support","instanceType":"single","currency":"USD","rateCards":[{"type":"flat_fee","key":"support","name":"Support","billingCadence":"P1M","price":{"type":"flat","amount":"99"}}]}""";
        var (_, v1) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/addons", support);
        var (draftClash, _) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/addons", support);
        Assert.Equal(HttpStatusCode.Conflict, draftClash);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/addons/{v1.GetProperty("id").GetString()}/publish");

        var (created, v2) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/addons", support.Replace("\"99\"", "\"149\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        clock.Advance(TimeSpan.FromMinutes(1));
        await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/addons/{v2.GetProperty("id").GetString()}/publish");
        using (var v1Read = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/addons/{v1.GetProperty("id").GetString()}")))
        {
            Assert.Equal("2026-05-01T00:02:00Z", v1Read.RootElement.GetProperty("effectiveTo").GetString());
            Assert.Equal("archived", v1Read.RootElement.GetProperty("status").GetString());
        }

        using (var byKey = JsonDocument.Parse(await server.GetStringAsync("/api/v1/addons/support")))
        {
            Assert.Equal(2, byKey.RootElement.GetProperty("version").GetInt32());
            Assert.Equal("149", byKey.RootElement.GetProperty("rateCards")[0].GetProperty("price").GetProperty("amount").GetString());
        }

        var (_, plan) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans", Catalog.TokenPlan);
        var planId = plan.GetProperty("id").GetString()!;
        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{v2.GetProperty("id").GetString()}}","fromPlanPhase":"default","maxQuantity":2}""", "maxQuantity");

        // An add-on billed weekly does not fit a monthly plan.
        var (_, weekly) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/addons", """{"name":"W","key":"weekly","instanceType":"single","rateCards":[{"type":"flat_fee","key":"w","name":"W","billingCadence":"P1W","price":{"type":"flat","amount":"5"}}]}""");
        await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/addons/{weekly.GetProperty("id").GetString()}/publish");
        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{planId}/addons", $$"""{"addonId":"{{weekly.GetProperty("id").GetString()}}","fromPlanPhase":"default"}""", "addonId");

        // Multiple-instance add-ons take only free or flat prices; unknown instance types are refused.
        await Catalog.AssertRefusedAsync(server, "/api/v1/addons", """{"name":"T","key":"t","instanceType":"multiple","currency":"USD","rateCards":[{"type":"usage_based","key":"ai_token","name":"T","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"1"}}]}""", "rateCards[0].price");
        await Catalog.AssertRefusedAsync(server, "/api/v1/addons", """{"name":"T","key":"t","instanceType":"many","currency":"USD","rateCards":[]}""", "instanceType");
        await Catalog.AssertRefusedAsync(server, "/api/v1/addons", """{"name":"T","key":"t","currency":"USD","rateCards":[]}""", "instanceType");
        using var all = JsonDocument.Parse(await server.GetStringAsync("/api/v1/addons?includeDeleted=true"));
        Assert.Equal(3, all.RootElement.GetProperty("totalCount").GetInt32());
        using var none = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/plans/{planId}/addons"));
        Assert.Equal(0, none.RootElement.GetProperty("totalCount").GetInt32());
    }
}

public sealed class AddOnsApiTestsOnSqlite() : AddOnsApiTests(TestStore.Sqlite);

public sealed class AddOnsApiTestsOnPostgres() : AddOnsApiTests(TestStore.Postgres);
