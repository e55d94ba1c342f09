using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing;

public abstract class SubscriptionsApiTests(TestStore store)
{
    private const string TokenPlan = """
        {"key":"token","name":"Token","currency":"USD","billingCadence":"P1M","phases":[
          {"key":"default","name":"Default","rateCards":[
            {"type":"usage_based","key":"ai_token","name":"AI tokens","featureKey":"ai_token","billingCadence":"P1M",
             "price":{"type":"unit","amount":"0.00002"},"entitlementTemplate":{"type":"boolean"}}]}]}
        """;

    private const string ProPlan = """
        {"key":"pro","name":"Pro","currency":"USD","billingCadence":"P1M","phases":[
          {"key":"trial","name":"Trial","duration":"P14D","rateCards":[
            {"type":"usage_based","key":"ai_token","name":"AI tokens","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"0"}}]},
          {"key":"paid","name":"Paid","rateCards":[
            {"type":"usage_based","key":"ai_token","name":"AI tokens","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"0.00001"}},
            {"type":"flat_fee","key":"platform","name":"Platform","billingCadence":"P1M","price":{"type":"flat","amount":"49"}}]}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset T(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    [Fact]
    public async Task Subscribing_the_seed_customer_to_the_token_plan_immediately_is_active_with_one_phase_and_one_item()
    {
        var clock = new FakeTimeProvider(T("2026-03-10T10:20:00.123Z"));
        await using var server = await store.StartAsync(time: clock);
        var planId = await SeedAsync(server);
        var customerId = await CustomerAsync(server, "kong_air", "kong-air");

        using var created = await server.PostJsonAsync("/api/v1/subscriptions", """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"immediate"}""");
        using var subscription = await JsonAsync(created, HttpStatusCode.Created);
        var root = subscription.RootElement;
        var id = root.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/subscriptions/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("active", root.GetProperty("status").GetString());
        Assert.Equal(T("2026-03-10T10:20:00.123Z"), root.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Equal(T("2026-03-10T10:20:00.123Z"), root.GetProperty("billingAnchor").GetDateTimeOffset());
        Assert.False(root.TryGetProperty("activeTo", out _));
        Assert.False(root.TryGetProperty("phases", out _));
        Assert.Equal(customerId, root.GetProperty("customerId").GetString());
        Assert.Equal($$"""{"id":"{{planId}}","key":"token","version":1}""", root.GetProperty("plan").GetRawText());
        Assert.Equal("Token", root.GetProperty("name").GetString());
        Assert.Equal("USD", root.GetProperty("currency").GetString());
        Assert.Equal("P1M", root.GetProperty("billingCadence").GetString());
        Assert.Equal("dynamic", root.GetProperty("costBasisMode").GetString());
        Assert.Equal("credit_then_invoice", root.GetProperty("settlementMode").GetString());
        Assert.Equal(T("2026-03-10T10:20:00.123Z"), root.GetProperty("alignment").GetProperty("currentAlignedBillingPeriod").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(T("2026-04-10T10:20:00.123Z"), root.GetProperty("alignment").GetProperty("currentAlignedBillingPeriod").GetProperty("to").GetDateTimeOffset());

        using var expanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        var phase = Assert.Single(expanded.RootElement.GetProperty("phases").EnumerateArray());
        Assert.Equal("default", phase.GetProperty("key").GetString());
        Assert.Equal(T("2026-03-10T10:20:00.123Z"), phase.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.False(phase.TryGetProperty("activeTo", out _));
        var item = Assert.Single(phase.GetProperty("items").EnumerateArray());
        Assert.Equal("ai_token", item.GetProperty("key").GetString());
        Assert.Equal("ai_token", item.GetProperty("featureKey").GetString());
        Assert.Equal("P1M", item.GetProperty("billingCadence").GetString());
        Assert.Equal("""{"type":"unit","amount":"0.00002"}""", item.GetProperty("price").GetRawText());
        Assert.Equal("boolean", item.GetProperty("entitlementTemplate").GetProperty("type").GetString());
        Assert.Equal("ai_token", item.GetProperty("included").GetProperty("feature").GetProperty("key").GetString());
        Assert.Equal(T("2026-03-10T10:20:00.123Z"), item.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Single(phase.GetProperty("itemTimelines").GetProperty("ai_token").EnumerateArray());

        // The customer shows the subscription; planKey filters by it; expand lists it.
        using var customer = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air?expand=subscriptions"));
        Assert.Equal(id, customer.RootElement.GetProperty("currentSubscriptionId").GetString());
        Assert.Equal(id, Assert.Single(customer.RootElement.GetProperty("subscriptions").EnumerateArray()).GetProperty("id").GetString());
        using var onToken = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers?planKey=token"));
        Assert.Equal(customerId, Assert.Single(onToken.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        using var onPro = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers?planKey=pro"));
        Assert.Empty(onPro.RootElement.GetProperty("items").EnumerateArray());

        // A customer with a running subscription is not deleted.
        using var deleted = await server.Admin.DeleteAsync("/api/v1/customers/kong_air", Ct);
        Assert.Equal(HttpStatusCode.Conflict, deleted.StatusCode);
        Assert.Contains(id, await deleted.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var still = await server.GetAsync("/api/v1/customers/kong_air");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);

        // The subscription and its copy of the plan survive a restart.
        var restarted = await server.RestartAsync(clock);
        await using (restarted)
        {
            using var again = JsonDocument.Parse(await restarted.GetStringAsync($"/api/v1/subscriptions/{id}"));
            Assert.Equal(expanded.RootElement.GetRawText(), again.RootElement.GetRawText());
        }
    }

    [Fact]
    public async Task A_two_phase_plan_starts_its_paid_phase_after_the_trial_and_a_starting_phase_skips_the_trial()
    {
        var clock = new FakeTimeProvider(T("2026-01-20T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await PlanAsync(server, ProPlan);
        await CustomerAsync(server, "kong_air", "kong-air");
        await CustomerAsync(server, "acme", "acme-user");

        using var created = await server.PostJsonAsync("/api/v1/subscriptions", """{"customerKey":"kong_air","plan":{"key":"pro"},"timing":"2026-01-25T12:00:00Z"}""");
        using var subscription = await JsonAsync(created, HttpStatusCode.Created);
        var id = subscription.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("scheduled", subscription.RootElement.GetProperty("status").GetString());

        using var expanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        var phases = expanded.RootElement.GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["trial", "paid"], phases.Select(p => p.GetProperty("key").GetString()));
        Assert.Equal(T("2026-01-25T12:00:00Z"), phases[0].GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Equal(T("2026-02-08T12:00:00Z"), phases[0].GetProperty("activeTo").GetDateTimeOffset());
        Assert.Equal(T("2026-02-08T12:00:00Z"), phases[1].GetProperty("activeFrom").GetDateTimeOffset());
        Assert.False(phases[1].TryGetProperty("activeTo", out _));
        var trialItem = Assert.Single(phases[0].GetProperty("items").EnumerateArray());
        Assert.Equal(T("2026-02-08T12:00:00Z"), trialItem.GetProperty("activeTo").GetDateTimeOffset());
        Assert.Equal(["ai_token", "platform"], phases[1].GetProperty("items").EnumerateArray().Select(i => i.GetProperty("key").GetString()).Order(StringComparer.Ordinal));

        // In the paid phase the subscription is active; the current phase shows the paid price.
        using var later = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}?at=2026-02-10T00:00:00Z"));
        Assert.Equal("active", later.RootElement.GetProperty("status").GetString());

        using var skipping = await server.PostJsonAsync("/api/v1/subscriptions", """{"customerKey":"acme","plan":{"key":"pro","version":1},"startingPhase":"paid"}""");
        using var paidOnly = await JsonAsync(skipping, HttpStatusCode.Created);
        using var paidExpanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{paidOnly.RootElement.GetProperty("id").GetString()}"));
        var paid = Assert.Single(paidExpanded.RootElement.GetProperty("phases").EnumerateArray());
        Assert.Equal("paid", paid.GetProperty("key").GetString());
        Assert.Equal(T("2026-01-20T00:00:00Z"), paid.GetProperty("activeFrom").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("2026-01-31T00:00:00Z", "2026-02-10T09:00:00Z", "2026-02-28T00:00:00Z")]
    [InlineData("2028-01-31T00:00:00Z", "2028-02-10T09:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "2026-03-05T09:00:00Z", "2026-03-31T00:00:00Z")]
    [InlineData("2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z")]
    public async Task Canceling_at_the_next_billing_cycle_ends_at_the_next_month_boundary_from_the_anchor(string start, string cancelAt, string end)
    {
        // The clock starts at the cancelation and the subscription at a date before it: a fake clock jumped by
        // weeks fires the store's 250 ms refresh timer for every tick it skips.
        var clock = new FakeTimeProvider(T(cancelAt));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, $$"""{"customerKey":"kong_air","plan":{"key":"token"},"timing":"{{start}}"}""");
        using var canceled = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"next_billing_cycle"}""");
        using var body = await JsonAsync(canceled, HttpStatusCode.OK);
        Assert.Equal("canceled", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(T(end), body.RootElement.GetProperty("activeTo").GetDateTimeOffset());

        using var expanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        var item = Assert.Single(Assert.Single(expanded.RootElement.GetProperty("phases").EnumerateArray()).GetProperty("items").EnumerateArray());
        Assert.Equal(T(end), item.GetProperty("activeTo").GetDateTimeOffset());

        // Taken back, it runs on; after the boundary it would have been inactive.
        using var continued = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/unschedule-cancelation", "{}");
        using var running = await JsonAsync(continued, HttpStatusCode.OK);
        Assert.Equal("active", running.RootElement.GetProperty("status").GetString());
        Assert.False(running.RootElement.TryGetProperty("activeTo", out _));

        using var again = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"next_billing_cycle"}""");
        await JsonAsync(again, HttpStatusCode.OK);
        using var ended = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}?at={end}"));
        Assert.Equal("inactive", ended.RootElement.GetProperty("status").GetString());
        using var active = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"immediate"}""");
        Assert.Equal(HttpStatusCode.Forbidden, active.StatusCode);
        Assert.Equal("application/problem+json", active.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Cancel_immediately_ends_it_now_frees_the_customer_and_only_a_scheduled_subscription_is_deleted()
    {
        var clock = new FakeTimeProvider(T("2026-05-05T08:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"}}""");

        using var forbidden = await server.Admin.DeleteAsync($"/api/v1/subscriptions/{id}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        clock.Advance(TimeSpan.FromMinutes(3));
        using var canceled = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"immediate"}""");
        using var body = await JsonAsync(canceled, HttpStatusCode.OK);
        Assert.Equal("inactive", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(T("2026-05-05T08:03:00Z"), body.RootElement.GetProperty("activeTo").GetDateTimeOffset());
        using var twice = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"immediate"}""");
        Assert.Equal(HttpStatusCode.Forbidden, twice.StatusCode);

        using var customer = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air"));
        Assert.False(customer.RootElement.TryGetProperty("currentSubscriptionId", out _));

        // The customer is free again: a subscription from next week is scheduled, and can be deleted.
        var scheduled = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"2026-05-12T00:00:00Z"}""");
        using var deleted = await server.Admin.DeleteAsync($"/api/v1/subscriptions/{scheduled}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await server.GetAsync($"/api/v1/subscriptions/{scheduled}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/subscriptions"));
        Assert.Equal(id, Assert.Single(list.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        // With nothing running or to come, the customer can be deleted.
        using var customerDeleted = await server.Admin.DeleteAsync("/api/v1/customers/kong_air", Ct);
        Assert.Equal(HttpStatusCode.NoContent, customerDeleted.StatusCode);
    }

    [Fact]
    public async Task Changing_plan_at_the_next_billing_cycle_ends_the_current_and_starts_the_next_at_the_same_instant()
    {
        var clock = new FakeTimeProvider(T("2026-02-10T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await PlanAsync(server, ProPlan);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"2026-01-31T00:00:00Z"}""");
        using var changed = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/change", """{"timing":"next_billing_cycle","plan":{"key":"pro"},"startingPhase":"paid"}""");
        using var body = await JsonAsync(changed, HttpStatusCode.OK);
        var current = body.RootElement.GetProperty("current");
        var next = body.RootElement.GetProperty("next");
        Assert.Equal(id, current.GetProperty("id").GetString());
        Assert.Equal("canceled", current.GetProperty("status").GetString());
        Assert.Equal(T("2026-02-28T00:00:00Z"), current.GetProperty("activeTo").GetDateTimeOffset());
        Assert.Equal(T("2026-02-28T00:00:00Z"), next.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Equal(T("2026-02-28T00:00:00Z"), next.GetProperty("billingAnchor").GetDateTimeOffset());
        Assert.Equal("scheduled", next.GetProperty("status").GetString());
        Assert.Equal("pro", next.GetProperty("plan").GetProperty("key").GetString());
        Assert.Equal("paid", Assert.Single(next.GetProperty("phases").EnumerateArray()).GetProperty("key").GetString());
        var nextId = next.GetProperty("id").GetString()!;

        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/subscriptions"));
        Assert.Equal(2, list.RootElement.GetProperty("totalCount").GetInt32());
        Assert.Equal([id, nextId], list.RootElement.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        using var descending = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/subscriptions?orderBy=activeFrom&order=DESC&page=1&pageSize=1"));
        Assert.Equal(nextId, Assert.Single(descending.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        using var scheduled = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/subscriptions?status=scheduled"));
        Assert.Equal(nextId, Assert.Single(scheduled.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        // The next one is in the way of taking the cancelation back.
        using var blocked = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/unschedule-cancelation", "{}");
        Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
        Assert.Contains(nextId, await blocked.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var customer = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air"));
        Assert.Equal(id, customer.RootElement.GetProperty("currentSubscriptionId").GetString());
        using var nextExpanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{nextId}?at=2026-02-28T00:00:00Z"));
        Assert.Equal("active", nextExpanded.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_customer_has_one_subscription_at_a_time_and_drafts_are_not_subscribed_to()
    {
        var clock = new FakeTimeProvider(T("2026-04-01T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"}}""");

        using var overlap = await server.PostJsonAsync("/api/v1/subscriptions", """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"2027-01-01T00:00:00Z"}""");
        Assert.Equal(HttpStatusCode.Conflict, overlap.StatusCode);
        Assert.Equal("application/problem+json", overlap.Content.Headers.ContentType?.MediaType);
        Assert.Contains(id, await overlap.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var draft = await server.PostJsonAsync("/api/v1/plans", ProPlan);
        Assert.Equal(HttpStatusCode.Created, draft.StatusCode);
        await CustomerAsync(server, "acme", "acme-user");
        await AssertRefusedAsync(server, """{"customerKey":"acme","plan":{"key":"pro"}}""", "plan.key");
        await AssertRefusedAsync(server, """{"customerKey":"acme","plan":{"key":"pro","version":1}}""", "plan.version");

        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/subscriptions"));
        Assert.Equal(1, list.RootElement.GetProperty("totalCount").GetInt32());
        using var acme = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/acme/subscriptions"));
        Assert.Equal(0, acme.RootElement.GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"plan":{"key":"token"}}""", "customerId")]
    [InlineData("""{"customerKey":"nobody","plan":{"key":"token"}}""", "customerKey")]
    [InlineData("""{"customerKey":"kong_air"}""", "plan")]
    [InlineData("""{"customerKey":"kong_air","plan":{"key":"nope"}}""", "plan.key")]
    [InlineData("""{"customerKey":"kong_air","plan":{"key":"token"},"timing":"next_billing_cycle"}""", "timing")]
    [InlineData("""{"customerKey":"kong_air","plan":{"key":"token"},"timing":"tomorrow"}""", "timing")]
    [InlineData("""{"customerKey":"kong_air","plan":{"key":"token"},"startingPhase":"nope"}""", "startingPhase")]
    [InlineData("""{"customerKey":"euro","plan":{"key":"token"}}""", "customerKey")]
    [InlineData("""{"customerKey":"kong_air","customPlan":{"name":"Mine","currency":"USD","billingCadence":"P1M","phases":[{"key":"only","name":"Only","rateCards":[{"key":"x","name":"X"}]}]}}""", "customPlan.phases[0].rateCards[0].type")]
    public async Task Invalid_subscriptions_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        var clock = new FakeTimeProvider(T("2026-04-01T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        using var euro = await server.PostJsonAsync("/api/v1/customers", """{"name":"Euro","key":"euro","usageAttribution":{"subjectKeys":["euro"]},"currency":"EUR"}""");
        Assert.Equal(HttpStatusCode.Created, euro.StatusCode);
        await AssertRefusedAsync(server, json, field);
        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/subscriptions"));
        Assert.Equal(0, list.RootElement.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task A_plan_published_later_does_not_change_an_existing_subscription_until_it_migrates()
    {
        var clock = new FakeTimeProvider(T("2026-06-05T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"2026-06-01T00:00:00Z"}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        using var next = await server.PostJsonAsync("/api/v1/plans/token/next", "{}");
        using var draft = await JsonAsync(next, HttpStatusCode.Created);
        var v2 = draft.RootElement.GetProperty("id").GetString()!;
        using var replaced = await server.Admin.PutAsync($"/api/v1/plans/{v2}", Json(TokenPlan.Replace("0.00002", "0.00003", StringComparison.Ordinal)), Ct);
        Assert.True(replaced.IsSuccessStatusCode, await replaced.Content.ReadAsStringAsync(Ct));
        using var published = await server.PostJsonAsync($"/api/v1/plans/{v2}/publish", "{}");
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);

        using var unchanged = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        Assert.Equal(1, unchanged.RootElement.GetProperty("plan").GetProperty("version").GetInt32());
        Assert.Equal("0.00002", ItemPrice(unchanged.RootElement));

        clock.Advance(TimeSpan.FromSeconds(1));
        using var migrated = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/migrate", """{"timing":"immediate"}""");
        using var body = await JsonAsync(migrated, HttpStatusCode.OK);
        Assert.Equal(T("2026-06-05T00:00:02Z"), body.RootElement.GetProperty("current").GetProperty("activeTo").GetDateTimeOffset());
        Assert.Equal("inactive", body.RootElement.GetProperty("current").GetProperty("status").GetString());
        var after = body.RootElement.GetProperty("next");
        Assert.Equal(2, after.GetProperty("plan").GetProperty("version").GetInt32());
        Assert.Equal(T("2026-06-05T00:00:02Z"), after.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Equal("0.00003", ItemPrice(after));

        using var onLatest = await server.PostJsonAsync($"/api/v1/subscriptions/{after.GetProperty("id").GetString()}/migrate", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, onLatest.StatusCode);
    }

    [Fact]
    public async Task Edits_add_and_remove_items_from_now_and_an_invalid_edit_changes_nothing()
    {
        var clock = new FakeTimeProvider(T("2026-07-03T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"2026-07-01T00:00:00Z"}""");

        const string AddSupport = """{"op":"add_item","phaseKey":"default","rateCard":{"type":"flat_fee","key":"support","name":"Support","billingCadence":"P1M","price":{"type":"flat","amount":"10"}}}""";
        using var invalid = await PatchAsync(server, id, """{"customizations":[""" + AddSupport + ""","""
            + """{"op":"add_item","phaseKey":"default","rateCard":{"type":"usage_based","key":"ai_token","name":"Again","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"1"}}}]}""");
        await AssertProblemAsync(invalid, "customizations[1].rateCard.key");
        using var unknownPhase = await PatchAsync(server, id, """{"customizations":[{"op":"remove_item","phaseKey":"nope","itemKey":"ai_token"}]}""");
        await AssertProblemAsync(unknownPhase, "customizations[0].phaseKey");
        using var unknownOp = await PatchAsync(server, id, """{"customizations":[{"op":"rename"}]}""");
        await AssertProblemAsync(unknownOp, "customizations[0].op");
        using var noType = await PatchAsync(server, id, """{"customizations":[{"op":"add_item","phaseKey":"default","rateCard":{"key":"support","name":"Support"}}]}""");
        await AssertProblemAsync(noType, "customizations[0].rateCard.type");
        using var untouched = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        Assert.Single(Assert.Single(untouched.RootElement.GetProperty("phases").EnumerateArray()).GetProperty("items").EnumerateArray());

        using var edited = await PatchAsync(server, id, $$$"""{"customizations":[{{{AddSupport}}},{"op":"remove_item","phaseKey":"default","itemKey":"ai_token"}]}""");
        await JsonAsync(edited, HttpStatusCode.OK);
        using var expanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        var phase = Assert.Single(expanded.RootElement.GetProperty("phases").EnumerateArray());
        var item = Assert.Single(phase.GetProperty("items").EnumerateArray());
        Assert.Equal("support", item.GetProperty("key").GetString());
        Assert.Equal(T("2026-07-03T00:00:00Z"), item.GetProperty("activeFrom").GetDateTimeOffset());
        var removed = Assert.Single(phase.GetProperty("itemTimelines").GetProperty("ai_token").EnumerateArray());
        Assert.Equal(T("2026-07-01T00:00:00Z"), removed.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.Equal(T("2026-07-03T00:00:00Z"), removed.GetProperty("activeTo").GetDateTimeOffset());

        // Seen as of before the edit, the token item was the active one.
        using var before = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}?at=2026-07-02T00:00:00Z"));
        Assert.Equal("ai_token", Assert.Single(Assert.Single(before.RootElement.GetProperty("phases").EnumerateArray()).GetProperty("items").EnumerateArray()).GetProperty("key").GetString());
    }

    [Fact]
    public async Task Phase_edits_stretch_add_and_remove_future_phases()
    {
        var clock = new FakeTimeProvider(T("2026-01-01T00:00:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await PlanAsync(server, ProPlan);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"pro"}}""");

        using var stretched = await PatchAsync(server, id, """{"customizations":[{"op":"stretch_phase","phaseKey":"trial","extendBy":"P7D"}]}""");
        await JsonAsync(stretched, HttpStatusCode.OK);
        Assert.Equal([T("2026-01-01T00:00:00Z"), T("2026-01-22T00:00:00Z")], await PhaseStartsAsync(server, id));

        using var added = await PatchAsync(server, id, """{"customizations":[{"op":"add_phase","phase":{"key":"ramp","name":"Ramp","startAfter":"P21D","duration":"P1M"}}]}""");
        await JsonAsync(added, HttpStatusCode.OK);
        Assert.Equal([T("2026-01-01T00:00:00Z"), T("2026-01-22T00:00:00Z"), T("2026-02-22T00:00:00Z")], await PhaseStartsAsync(server, id));

        using var removed = await PatchAsync(server, id, """{"customizations":[{"op":"remove_phase","phaseKey":"ramp","shift":"next"}]}""");
        await JsonAsync(removed, HttpStatusCode.OK);
        Assert.Equal([T("2026-01-01T00:00:00Z"), T("2026-01-22T00:00:00Z")], await PhaseStartsAsync(server, id));

        // The paid phase's items moved out and back with it.
        using var expanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        var paid = expanded.RootElement.GetProperty("phases")[1];
        Assert.Equal("paid", paid.GetProperty("key").GetString());
        Assert.All(paid.GetProperty("items").EnumerateArray(), item => Assert.Equal(T("2026-01-22T00:00:00Z"), item.GetProperty("activeFrom").GetDateTimeOffset()));
        Assert.Equal(2, paid.GetProperty("items").GetArrayLength());

        using var current = await PatchAsync(server, id, """{"customizations":[{"op":"remove_phase","phaseKey":"trial","shift":"next"}]}""");
        await AssertProblemAsync(current, "customizations[0].phaseKey");
        clock.Advance(TimeSpan.FromMinutes(1));
        using var past = await PatchAsync(server, id, """{"customizations":[{"op":"add_phase","phase":{"key":"late","name":"Late","startAfter":"PT0S","duration":"P1D"}}]}""");
        await AssertProblemAsync(past, "customizations[0].phase.startAfter");
    }

    [Fact]
    public async Task A_subscription_gives_the_customer_its_items_entitlements_for_as_long_as_they_run()
    {
        var clock = new FakeTimeProvider(T("2026-03-10T10:20:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"immediate"}""");

        // The plan's boolean entitlement template is the customer's entitlement from the subscription's start.
        using var access = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/access"));
        Assert.Equal("""{"ai_token":{"hasAccess":true}}""", access.RootElement.GetProperty("entitlements").GetRawText());
        var entitlement = await EntitlementAsync(server);
        Assert.Equal("boolean", entitlement.GetProperty("type").GetString());
        Assert.Equal(T("2026-03-10T10:20:00Z"), entitlement.GetProperty("activeFrom").GetDateTimeOffset());
        Assert.False(entitlement.TryGetProperty("activeTo", out _));
        Assert.Equal(id, entitlement.GetProperty("annotations").GetProperty("subscription.id").GetString());

        // A next-cycle cancel ends it with the subscription; taking the cancel back lets the same entitlement run on.
        using (var cancel = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"next_billing_cycle"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        var ending = await EntitlementAsync(server);
        Assert.Equal(entitlement.GetProperty("id").GetString(), ending.GetProperty("id").GetString());
        Assert.Equal(T("2026-04-10T10:20:00Z"), ending.GetProperty("activeTo").GetDateTimeOffset());
        using (var resume = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/unschedule-cancelation", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        Assert.False((await EntitlementAsync(server)).TryGetProperty("activeTo", out _));

        // An immediate cancel ends it now: no access.
        clock.Advance(TimeSpan.FromDays(3));
        using (var cancel = await server.PostJsonAsync($"/api/v1/subscriptions/{id}/cancel", """{"timing":"immediate"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using var after = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kong_air/access"));
        Assert.Equal("{}", after.RootElement.GetProperty("entitlements").GetRawText());
        using var ended = JsonDocument.Parse(await server.GetStringAsync("/api/v2/entitlements?customerKeys=kong_air"));
        Assert.Equal(T("2026-03-13T10:20:00Z"), Assert.Single(ended.RootElement.GetProperty("items").EnumerateArray()).GetProperty("activeTo").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_scheduled_subscription_deleted_before_it_starts_leaves_no_entitlement()
    {
        var clock = new FakeTimeProvider(T("2026-03-10T10:20:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await SeedAsync(server);
        await CustomerAsync(server, "kong_air", "kong-air");
        var id = await SubscribeAsync(server, """{"customerKey":"kong_air","plan":{"key":"token"},"timing":"2026-04-01T00:00:00Z"}""");
        var scheduled = await EntitlementAsync(server);
        Assert.Equal(T("2026-04-01T00:00:00Z"), scheduled.GetProperty("activeFrom").GetDateTimeOffset());

        using var deleted = await server.Admin.DeleteAsync($"/api/v1/subscriptions/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var left = JsonDocument.Parse(await server.GetStringAsync("/api/v2/entitlements?customerKeys=kong_air"));
        Assert.Empty(left.RootElement.GetProperty("items").EnumerateArray());
    }

    /// <summary>The customer's one entitlement (active or not), from the v2 list.</summary>
    private static async Task<JsonElement> EntitlementAsync(TollgateServer server)
    {
        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v2/entitlements?customerKeys=kong_air"));
        return Assert.Single(list.RootElement.GetProperty("items").EnumerateArray()).Clone();
    }

    private static async Task<List<DateTimeOffset>> PhaseStartsAsync(TollgateServer server, string id)
    {
        using var expanded = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/subscriptions/{id}"));
        return [.. expanded.RootElement.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("activeFrom").GetDateTimeOffset())];
    }

    private static string? ItemPrice(JsonElement subscription) =>
        Assert.Single(Assert.Single(subscription.GetProperty("phases").EnumerateArray()).GetProperty("items").EnumerateArray())
            .GetProperty("price").GetProperty("amount").GetString();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> PatchAsync(TollgateServer server, string id, string json) =>
        server.Admin.PatchAsync($"/api/v1/subscriptions/{id}", Json(json), Ct);

    private static async Task AssertRefusedAsync(TollgateServer server, string json, string field)
    {
        using var response = await server.PostJsonAsync("/api/v1/subscriptions", json);
        await AssertProblemAsync(response, field);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body);
    }

    private static async Task<string> SubscribeAsync(TollgateServer server, string json)
    {
        using var created = await server.PostJsonAsync("/api/v1/subscriptions", json);
        using var body = await JsonAsync(created, HttpStatusCode.Created);
        return body.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The seed: the token meter, the ai_token feature, and plan "token" published; returns the plan's id.</summary>
    private static async Task<string> SeedAsync(TollgateServer server)
    {
        using var meter = await server.PostJsonAsync("/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}");
        Assert.Equal(HttpStatusCode.Created, meter.StatusCode);
        using var feature = await server.PostJsonAsync("/api/v1/features", """{"key":"ai_token","name":"AI tokens","meterSlug":"kong_konnect_llm_tokens"}""");
        Assert.Equal(HttpStatusCode.Created, feature.StatusCode);
        return await PlanAsync(server, TokenPlan);
    }

    private static async Task<string> PlanAsync(TollgateServer server, string json)
    {
        using var created = await server.PostJsonAsync("/api/v1/plans", json);
        using var plan = await JsonAsync(created, HttpStatusCode.Created);
        var id = plan.RootElement.GetProperty("id").GetString()!;
        using var published = await server.PostJsonAsync($"/api/v1/plans/{id}/publish", "{}");
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        return id;
    }

    private static async Task<string> CustomerAsync(TollgateServer server, string key, string subject)
    {
        using var created = await server.PostJsonAsync("/api/v1/customers", $$$"""{"name":"{{{key}}}","key":"{{{key}}}","usageAttribution":{"subjectKeys":["{{{subject}}}"]}}""");
        using var customer = await JsonAsync(created, HttpStatusCode.Created);
        return customer.RootElement.GetProperty("id").GetString()!;
    }
}

public sealed class SubscriptionsApiTestsOnSqlite() : SubscriptionsApiTests(TestStore.Sqlite);

public sealed class SubscriptionsApiTestsOnPostgres() : SubscriptionsApiTests(TestStore.Postgres);
