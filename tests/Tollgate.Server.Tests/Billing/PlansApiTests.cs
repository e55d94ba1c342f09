using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing;

public abstract class PlansApiTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_seed_token_plan_is_created_published_and_read_back_exactly()
    {
        var clock = new FakeTimeProvider(Catalog.T("2026-02-01T09:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await Catalog.AiTokenFeatureAsync(server);

        var (created, plan) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans", Catalog.TokenPlan);
        Assert.Equal(HttpStatusCode.Created, created);
        var id = plan.GetProperty("id").GetString()!;
        Assert.Equal("token", plan.GetProperty("key").GetString());
        Assert.Equal(1, plan.GetProperty("version").GetInt32());
        Assert.Equal("draft", plan.GetProperty("status").GetString());
        Assert.False(plan.TryGetProperty("effectiveFrom", out _));

        clock.Advance(TimeSpan.FromMinutes(5));
        var (published, active) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{id}/publish");
        Assert.Equal(HttpStatusCode.OK, published);
        Assert.Equal("active", active.GetProperty("status").GetString());
        Assert.Equal("2026-02-01T09:05:00Z", active.GetProperty("effectiveFrom").GetString());

        using var byKey = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans/token"));
        var read = byKey.RootElement;
        Assert.Equal(id, read.GetProperty("id").GetString());
        Assert.Equal("Token", read.GetProperty("name").GetString());
        Assert.Equal("USD", read.GetProperty("currency").GetString());
        Assert.Equal("P1M", read.GetProperty("billingCadence").GetString());
        Assert.Equal("""{"enabled":true,"mode":"prorate_prices"}""", read.GetProperty("proRatingConfig").GetRawText());
        Assert.Equal("credit_then_invoice", read.GetProperty("settlementMode").GetString());
        Assert.Equal("[]", read.GetProperty("validationErrors").GetRawText());
        var phase = Assert.Single(read.GetProperty("phases").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, phase.GetProperty("duration").ValueKind);
        var rateCard = Assert.Single(phase.GetProperty("rateCards").EnumerateArray());
        Assert.Equal(
            """{"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","entitlementTemplate":{"type":"boolean"},"billingCadence":"P1M","price":{"type":"unit","amount":"0.00002"}}""",
            rateCard.GetRawText());

        using var byId = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/plans/{id}"));
        Assert.Equal(read.GetRawText(), byId.RootElement.GetRawText());

        // The plan sells ai_token, so the feature cannot be archived under it.
        using var archiveFeature = await server.Admin.DeleteAsync("/api/v1/features/ai_token", Ct);
        Assert.Equal(HttpStatusCode.Conflict, archiveFeature.StatusCode);
    }

    [Fact]
    public async Task Versions_go_draft_published_next_published_archived_with_exact_effective_periods()
    {
        var clock = new FakeTimeProvider(Catalog.T("2026-03-01T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await Catalog.AiTokenFeatureAsync(server);

        var (_, v1) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans", Catalog.TokenPlan);
        var v1Id = v1.GetProperty("id").GetString()!;
        var (secondDraft, _) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans", Catalog.TokenPlan);
        Assert.Equal(HttpStatusCode.Conflict, secondDraft);

        clock.Advance(TimeSpan.FromHours(1));
        await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{v1Id}/publish");
        var (replaceActive, _) = await Catalog.SendAsync(server, HttpMethod.Put, $"/api/v1/plans/{v1Id}", Catalog.TokenReplace("0.00003"));
        Assert.Equal(HttpStatusCode.Conflict, replaceActive);

        clock.Advance(TimeSpan.FromHours(1));
        var (nextStatus, v2) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans/token/next");
        Assert.Equal(HttpStatusCode.Created, nextStatus);
        var v2Id = v2.GetProperty("id").GetString()!;
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        Assert.Equal("draft", v2.GetProperty("status").GetString());
        Assert.Equal(v1.GetProperty("phases").GetRawText(), v2.GetProperty("phases").GetRawText());
        var (nextAgain, _) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans/token/next");
        Assert.Equal(HttpStatusCode.Conflict, nextAgain);

        var (replaced, v2Replaced) = await Catalog.SendAsync(server, HttpMethod.Put, $"/api/v1/plans/{v2Id}", Catalog.TokenReplace("0.00003"));
        Assert.Equal(HttpStatusCode.OK, replaced);
        Assert.Equal("0.00003", v2Replaced.GetProperty("phases")[0].GetProperty("rateCards")[0].GetProperty("price").GetProperty("amount").GetString());

        // By key, the active version is v1 until v2 is published.
        using (var active = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans/token")))
        {
            Assert.Equal(v1Id, active.RootElement.GetProperty("id").GetString());
        }

        using (var latest = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans/token?includeLatest=true")))
        {
            Assert.Equal(v2Id, latest.RootElement.GetProperty("id").GetString());
        }

        clock.Advance(TimeSpan.FromHours(1));
        var (_, v2Active) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{v2Id}/publish");
        Assert.Equal("2026-03-01T03:00:00Z", v2Active.GetProperty("effectiveFrom").GetString());
        using (var v1Closed = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/plans/{v1Id}")))
        {
            Assert.Equal("2026-03-01T01:00:00Z", v1Closed.RootElement.GetProperty("effectiveFrom").GetString());
            Assert.Equal("2026-03-01T03:00:00Z", v1Closed.RootElement.GetProperty("effectiveTo").GetString());
            Assert.Equal("archived", v1Closed.RootElement.GetProperty("status").GetString());
        }

        using (var active = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans/token")))
        {
            Assert.Equal(v2Id, active.RootElement.GetProperty("id").GetString());
        }

        using (var actives = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans?status=active")))
        {
            Assert.Equal(1, actives.RootElement.GetProperty("totalCount").GetInt32());
            Assert.Equal(v2Id, actives.RootElement.GetProperty("items")[0].GetProperty("id").GetString());
        }

        using (var v1Only = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans?keyVersion[token]=1")))
        {
            Assert.Equal(v1Id, Assert.Single(v1Only.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        }

        var (deleteActive, _) = await Catalog.SendAsync(server, HttpMethod.Delete, $"/api/v1/plans/{v2Id}");
        Assert.Equal(HttpStatusCode.Conflict, deleteActive);

        clock.Advance(TimeSpan.FromDays(1));
        var (archived, v2Archived) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{v2Id}/archive");
        Assert.Equal(HttpStatusCode.OK, archived);
        Assert.Equal("archived", v2Archived.GetProperty("status").GetString());
        Assert.Equal("2026-03-02T03:00:00Z", v2Archived.GetProperty("effectiveTo").GetString());
        var (archiveAgain, _) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{v2Id}/archive");
        Assert.Equal(HttpStatusCode.Conflict, archiveAgain);

        // Nothing sells ai_token any more, so now it can be archived.
        using (var archiveFeature = await server.Admin.DeleteAsync("/api/v1/features/ai_token", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, archiveFeature.StatusCode);
        }

        var (deleted, _) = await Catalog.SendAsync(server, HttpMethod.Delete, $"/api/v1/plans/{v2Id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        using (var gone = await server.GetAsync($"/api/v1/plans/{v2Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        using var all = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans?includeDeleted=true&orderBy=version&order=DESC"));
        var items = all.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([2, 1], items.Select(i => i.GetProperty("version").GetInt32()));
        Assert.Equal("2026-03-02T03:00:00Z", items[0].GetProperty("deletedAt").GetString());
        using var live = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans"));
        Assert.Equal(1, live.RootElement.GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"type":"usage_based","key":"nope","name":"x","featureKey":"nope","billingCadence":"P1M","price":null}""", "phases[0].rateCards[0].featureKey")]
    [InlineData("""{"type":"usage_based","key":"other","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":null}""", "phases[0].rateCards[0].key")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","billingCadence":"P1M","price":null}""", "phases[0].rateCards[0].featureKey")]
    [InlineData("""{"type":"usage_based","key":"support","name":"x","featureKey":"support","billingCadence":"P1M","price":null}""", "phases[0].rateCards[0].featureKey")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","price":null}""", "phases[0].rateCards[0].billingCadence")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"monthly","price":null}""", "phases[0].rateCards[0].billingCadence")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1W","price":{"type":"unit","amount":"1"}}""", "phases[0].rateCards[0].billingCadence")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"tiered","mode":"graduated","tiers":[{"upToAmount":"100","unitPrice":{"type":"unit","amount":"1"}},{"upToAmount":"50","unitPrice":{"type":"unit","amount":"1"}},{"unitPrice":{"type":"unit","amount":"1"}}]}}""", "phases[0].rateCards[0].price.tiers[1].upToAmount")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"tiered","mode":"volume","tiers":[{"unitPrice":{"type":"unit","amount":"1"}},{"upToAmount":"50","unitPrice":{"type":"unit","amount":"1"}}]}}""", "phases[0].rateCards[0].price.tiers[0].upToAmount")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"tiered","mode":"volume","tiers":[{"upToAmount":"50"}]}}""", "phases[0].rateCards[0].price.tiers[0]")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"1","minimumAmount":"10","maximumAmount":"5"}}""", "phases[0].rateCards[0].price.minimumAmount")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"-1"}}""", "phases[0].rateCards[0].price.amount")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit"}}""", "phases[0].rateCards[0].price.amount")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"amount":"1"}}""", "phases[0].rateCards[0].price.type")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"package","amount":"1","quantityPerPackage":"0"}}""", "phases[0].rateCards[0].price.quantityPerPackage")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"1"},"discounts":{"percentage":{"percentage":150}}}""", "phases[0].rateCards[0].discounts.percentage.percentage")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"1"},"discounts":{"usage":{"quantity":"0"}}}""", "phases[0].rateCards[0].discounts.usage.quantity")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":null,"discounts":{"percentage":{"percentage":10}}}""", "phases[0].rateCards[0].discounts")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":null,"entitlementTemplate":{"type":"metered","usagePeriod":"PT30M"}}""", "phases[0].rateCards[0].entitlementTemplate.usagePeriod")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":null,"entitlementTemplate":{"type":"metered","issueAfterResetPriority":3}}""", "phases[0].rateCards[0].entitlementTemplate.issueAfterReset")]
    [InlineData("""{"type":"flat_fee","key":"support","name":"x","featureKey":"support","billingCadence":null,"price":null,"entitlementTemplate":{"type":"metered"}}""", "phases[0].rateCards[0].entitlementTemplate.type")]
    [InlineData("""{"type":"flat_fee","key":"support","name":"x","featureKey":"support","billingCadence":null,"price":null,"entitlementTemplate":{"type":"static","config":"not json"}}""", "phases[0].rateCards[0].entitlementTemplate.config")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":null,"price":null,"entitlementTemplate":{"type":"boolean"}}""", "phases[0].rateCards[0].featureKey")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":null,"price":{"type":"flat","amount":"10","paymentTerm":"in_arrears"}}""", "phases[0].rateCards[0].price.paymentTerm")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":"P1M","price":{"type":"unit","amount":"10"}}""", "phases[0].rateCards[0].price.type")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":"P1M","price":{"type":"flat","amount":"10"},"discounts":{"usage":{"quantity":"5"}}}""", "phases[0].rateCards[0].discounts.usage")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":"P1M","price":{"type":"flat","amount":"10","paymentTerm":"later"}}""", "phases[0].rateCards[0].price.paymentTerm")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":"P1M","price":null,"taxConfig":{"stripe":{"code":"tax"}}}""", "phases[0].rateCards[0].taxConfig.stripe.code")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":"P1M","price":{"type":"flat","amount":"10","paymentTerm":1}}""", "phases[0].rateCards[0].price.paymentTerm")]
    [InlineData("""{"type":"usage_based","key":"ai_token","name":"x","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"tiered","mode":"stepped","tiers":[{"unitPrice":{"type":"unit","amount":"1"}}]}}""", "phases[0].rateCards[0].price.mode")]
    [InlineData("""{"type":"flat_fee","key":"Fee","name":"x","billingCadence":null,"price":null}""", "phases[0].rateCards[0].key")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"","billingCadence":null,"price":null}""", "phases[0].rateCards[0].name")]
    [InlineData("""{"type":"one_off","key":"fee","name":"x"}""", "phases[0].rateCards[0].type")]
    [InlineData("""{"key":"fee","name":"x"}""", "phases[0].rateCards[0].type")]
    [InlineData("""{"type":"flat_fee","key":"fee","name":"x","billingCadence":null,"price":null},{"type":"flat_fee","key":"fee","name":"y","billingCadence":null,"price":null}""", "phases[0].rateCards[1].key")]
    public async Task Invalid_rate_cards_are_refused_naming_the_field_and_nothing_is_stored(string rateCards, string field)
    {
        await using var server = await store.StartAsync();
        await Catalog.AiTokenFeatureAsync(server);
        await Catalog.SupportFeatureAsync(server);
        await Catalog.AssertRefusedAsync(server, "/api/v1/plans", $$"""
            {"name":"Bad","key":"bad","currency":"USD","billingCadence":"P1M","phases":[{"key":"default","name":"Default","duration":null,"rateCards":[{{rateCards}}]}]}
            """, field);
        using var plans = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans?includeDeleted=true"));
        Assert.Equal(0, plans.RootElement.GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"name":"x","currency":"USD","billingCadence":"P1M","phases":[]}""", "key")]
    [InlineData("""{"name":"x","key":"p","currency":"XYZ","billingCadence":"P1M","phases":[]}""", "currency")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"PT30M","phases":[]}""", "billingCadence")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P1M","phases":[]}""", "phases")]
    [InlineData("""{"key":"p","currency":"USD","billingCadence":"P1M","phases":[{"key":"a","name":"A","duration":null,"rateCards":[]}]}""", "name")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P1M","phases":[{"key":"trial","name":"Trial","duration":null,"rateCards":[]},{"key":"main","name":"Main","duration":null,"rateCards":[]}]}""", "phases[0].duration")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P1M","phases":[{"key":"main","name":"Main","duration":"P1M","rateCards":[]}]}""", "phases[0].duration")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P1M","phases":[{"key":"trial","name":"Trial","duration":"P2X","rateCards":[]},{"key":"main","name":"Main","duration":null,"rateCards":[]}]}""", "phases[0].duration")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P1M","phases":[{"key":"main","name":"Trial","duration":"P1M","rateCards":[]},{"key":"main","name":"Main","duration":null,"rateCards":[]}]}""", "phases[1].key")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P1M","phases":[{"name":"Main","duration":null,"rateCards":[]}]}""", "phases[0].key")]
    [InlineData("""{"name":"x","key":"p","currency":"USD","billingCadence":"P6M","phases":[{"key":"main","name":"Main","duration":null,"rateCards":[{"type":"flat_fee","key":"a","name":"A","billingCadence":"P2M","price":{"type":"flat","amount":"1"}},{"type":"flat_fee","key":"b","name":"B","billingCadence":"P3M","price":{"type":"flat","amount":"1"}}]}]}""", "phases[0].rateCards[1].billingCadence")]
    public async Task Invalid_plans_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        await using var server = await store.StartAsync();
        await Catalog.AssertRefusedAsync(server, "/api/v1/plans", json, field);
        using var plans = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans?includeDeleted=true"));
        Assert.Equal(0, plans.RootElement.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task A_draft_with_an_empty_phase_is_stored_with_its_validation_error_but_not_published()
    {
        await using var server = await store.StartAsync();
        var (created, plan) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans",
            """{"name":"Empty","key":"empty","billingCadence":"P1M","phases":[{"key":"main","name":"Main","duration":null,"rateCards":[]}]}""");
        Assert.True(created == HttpStatusCode.Created, plan.GetRawText());
        Assert.Equal("USD", plan.GetProperty("currency").GetString());
        Assert.Equal(
            """[{"field":"phases[0].rateCards","code":"plan_phase_has_no_rate_cards","message":"plan phase must have at least one rate card"}]""",
            plan.GetProperty("validationErrors").GetRawText());
        await Catalog.AssertRefusedAsync(server, $"/api/v1/plans/{plan.GetProperty("id").GetString()}/publish", null, "phases[0].rateCards");
        using var draft = JsonDocument.Parse(await server.GetStringAsync("/api/v1/plans/empty"));
        Assert.Equal("draft", draft.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Every_price_type_round_trips_with_commitments_and_discounts()
    {
        await using var server = await store.StartAsync();
        await Catalog.AiTokenFeatureAsync(server);
        string[] keys = ["unit_tokens", "graduated_tokens", "volume_tokens", "package_tokens", "dynamic_tokens"];
        foreach (var key in keys)
        {
            using var feature = await server.PostJsonAsync("/api/v1/features", $$"""{"key":"{{key}}","name":"{{key}}","meterSlug":"kong_konnect_llm_tokens"}""");
            Assert.Equal(HttpStatusCode.Created, feature.StatusCode);
        }

        string[] rateCards =
        [
            """{"type":"flat_fee","key":"platform","name":"Platform fee","description":"monthly","metadata":{"tier":"pro"},"taxConfig":{"behavior":"exclusive","stripe":{"code":"txcd_10000000"}},"billingCadence":"P1M","price":{"type":"flat","amount":"49.99","paymentTerm":"in_arrears"},"discounts":{"percentage":{"percentage":12.5}}}""",
            """{"type":"flat_fee","key":"setup","name":"Setup","billingCadence":null,"price":{"type":"flat","amount":"100","paymentTerm":"in_advance"}}""",
            """{"type":"usage_based","key":"unit_tokens","name":"Unit","featureKey":"unit_tokens","entitlementTemplate":{"type":"metered","isSoftLimit":true,"issueAfterReset":1000,"issueAfterResetPriority":2,"preserveOverageAtReset":true,"usagePeriod":"P1M"},"billingCadence":"P1M","price":{"type":"unit","amount":"0.00002","minimumAmount":"5","maximumAmount":"500"},"discounts":{"percentage":{"percentage":10},"usage":{"quantity":"1000"}}}""",
            """{"type":"usage_based","key":"graduated_tokens","name":"Graduated","featureKey":"graduated_tokens","billingCadence":"P1M","price":{"type":"tiered","mode":"graduated","tiers":[{"upToAmount":"1000","flatPrice":null,"unitPrice":{"type":"unit","amount":"0.01"}},{"upToAmount":"10000","flatPrice":{"type":"flat","amount":"5"},"unitPrice":{"type":"unit","amount":"0.005"}},{"flatPrice":null,"unitPrice":{"type":"unit","amount":"0.001"}}],"minimumAmount":"1"}}""",
            """{"type":"usage_based","key":"volume_tokens","name":"Volume","featureKey":"volume_tokens","billingCadence":"P1M","price":{"type":"tiered","mode":"volume","tiers":[{"upToAmount":"100","flatPrice":{"type":"flat","amount":"10"},"unitPrice":null},{"flatPrice":{"type":"flat","amount":"50"},"unitPrice":null}],"maximumAmount":"1000"}}""",
            """{"type":"usage_based","key":"package_tokens","name":"Package","featureKey":"package_tokens","billingCadence":"P1M","price":{"type":"package","amount":"2.5","quantityPerPackage":"1000000","minimumAmount":"0","maximumAmount":"250"}}""",
            """{"type":"usage_based","key":"dynamic_tokens","name":"Dynamic","featureKey":"dynamic_tokens","billingCadence":"P1M","price":{"type":"dynamic","multiplier":"1.25","maximumAmount":"100"}}""",
        ];
        var (created, plan) = await Catalog.SendAsync(server, HttpMethod.Post, "/api/v1/plans", $$"""
            {"name":"All prices","key":"all_prices","currency":"EUR","billingCadence":"P1M","phases":[{"key":"main","name":"Main","duration":null,"rateCards":[{{string.Join(",", rateCards)}}]}]}
            """);
        Assert.True(created == HttpStatusCode.Created, plan.GetRawText());
        var (published, _) = await Catalog.SendAsync(server, HttpMethod.Post, $"/api/v1/plans/{plan.GetProperty("id").GetString()}/publish");
        Assert.Equal(HttpStatusCode.OK, published);

        var restarted = await server.RestartAsync();
        await using var _ = restarted;
        using var read = JsonDocument.Parse(await restarted.GetStringAsync("/api/v1/plans/all_prices"));
        var stored = read.RootElement.GetProperty("phases")[0].GetProperty("rateCards").EnumerateArray().Select(r => r.GetRawText()).ToList();
        Assert.Equal(rateCards, stored);
    }
}

/// <summary>What the catalog tests share: the seed's feature and plan, and request helpers.</summary>
internal static class Catalog
{
    public const string TokenPlan = """
        {"name":"Token","key":"token","currency":"USD","billingCadence":"P1M","phases":[{"key":"default","name":"Default","duration":null,"rateCards":[
          {"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"0.00002"},"entitlementTemplate":{"type":"boolean"}}]}]}
        """;

    public static string TokenReplace(string unitPrice) => $$$"""
        {"name":"Token","billingCadence":"P1M","phases":[{"key":"default","name":"Default","duration":null,"rateCards":[
          {"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"{{{unitPrice}}}"},"entitlementTemplate":{"type":"boolean"}}]}]}
        """;

    public static DateTimeOffset T(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>The seed's metered feature: LLM tokens of the built-in meter.</summary>
    public static async Task AiTokenFeatureAsync(TollgateServer server)
    {
        using var enabled = await server.PostJsonAsync("/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        Assert.Equal(HttpStatusCode.Created, enabled.StatusCode);
        using var feature = await server.PostJsonAsync("/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens"}""");
        Assert.Equal(HttpStatusCode.Created, feature.StatusCode);
    }

    /// <summary>A static feature (no meter).</summary>
    public static async Task SupportFeatureAsync(TollgateServer server)
    {
        using var feature = await server.PostJsonAsync("/api/v1/features", """{"key":"support","name":"Support"}""");
        Assert.Equal(HttpStatusCode.Created, feature.StatusCode);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(TollgateServer server, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await server.Admin.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(body.Length == 0 ? "null" : body);
        return (response.StatusCode, document.RootElement.Clone());
    }

    /// <summary>Asserts a 400 problem whose errors name <paramref name="field"/>.</summary>
    public static async Task AssertRefusedAsync(TollgateServer server, string path, string? json, string field)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await server.Admin.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }
}

public sealed class PlansApiTestsOnSqlite() : PlansApiTests(TestStore.Sqlite);

public sealed class PlansApiTestsOnPostgres() : PlansApiTests(TestStore.Postgres);
