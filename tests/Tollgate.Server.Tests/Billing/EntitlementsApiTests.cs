using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Billing;

public abstract class EntitlementsApiTests(TestStore store)
{
    private const string Entitlements = "/api/v2/customers/acme/entitlements";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset T(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);

    /// <summary>
    /// A server at 2024-01-15T12:00Z with the tokens meter, a metered feature <c>tokens</c> (gpt-4 only), static features
    /// <c>sso</c> and <c>support</c>, and customer <c>acme</c> whose usage is subject <c>acme-app</c>'s.
    /// </summary>
    private Task<(TollgateServer Server, FakeTimeProvider Clock)> SeededAsync() => SeedAsync(store);

    internal static async Task<(TollgateServer Server, FakeTimeProvider Clock)> SeedAsync(TestStore store)
    {
        var clock = new FakeTimeProvider(T("2024-01-15T12:00:00Z"));
        var server = await store.StartAsync(time: clock);
        await CreateMeterAsync(server, TokensMeter);
        foreach (var feature in new[]
        {
            """{"key":"tokens","name":"Tokens","meterSlug":"tokens_total","meterGroupByFilters":{"model":"gpt-4"}}""",
            """{"key":"sso","name":"SSO"}""",
            """{"key":"support","name":"Support"}""",
        })
        {
            using var created = await server.PostJsonAsync("/api/v1/features", feature);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var repository = server.App.Services.GetRequiredService<BillingRepository>();
        await repository.ChangeAsync(c => c.Put(Customer.Kind, new Customer
        {
            Id = Ulid.NewUlid().ToString(),
            Key = "acme",
            Name = "Acme",
            CreatedAt = c.Now,
            UpdatedAt = c.Now,
            UsageAttribution = new CustomerUsageAttribution { SubjectKeys = ["acme-app"] },
        }), Ct);
        return (server, clock);
    }

    internal static async Task<JsonElement> SendAsync(TollgateServer server, HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await server.Admin.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        if (body.Length == 0)
        {
            return default;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    internal static Task<JsonElement> PostAsync(TollgateServer server, string path, string json, HttpStatusCode expected = HttpStatusCode.Created) =>
        SendAsync(server, HttpMethod.Post, path, json, expected);

    internal static Task<JsonElement> GetAsync(TollgateServer server, string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        SendAsync(server, HttpMethod.Get, path, null, expected);

    internal static string Value(JsonElement value) => string.Join(' ',
        $"access={value.GetProperty("hasAccess").GetBoolean()}",
        $"balance={value.GetProperty("balance").GetDecimal().ToString(CultureInfo.InvariantCulture)}",
        $"usage={value.GetProperty("usage").GetDecimal().ToString(CultureInfo.InvariantCulture)}",
        $"overage={value.GetProperty("overage").GetDecimal().ToString(CultureInfo.InvariantCulture)}",
        $"total={value.GetProperty("totalAvailableGrantAmount").GetDecimal().ToString(CultureInfo.InvariantCulture)}");

    private static async Task<string> ValueAsync(TollgateServer server, string featureKey = "tokens", string query = "") =>
        Value(await GetAsync(server, $"{Entitlements}/{featureKey}/value{query}"));

    private const string MonthlyTokens = """
        {"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"MONTH","anchor":"2024-01-01T00:00:00Z"},"issue":{"amount":100}}
        """;

    [Fact]
    public async Task Each_type_is_created_and_read_back_and_a_feature_has_one_entitlement_at_a_time()
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;

        var boolean = await PostAsync(server, Entitlements, """{"type":"boolean","featureKey":"sso","metadata":{"team":"it"}}""");
        Assert.Equal("boolean", boolean.GetProperty("type").GetString());
        Assert.Equal("acme", boolean.GetProperty("customerKey").GetString());
        Assert.Equal("sso", boolean.GetProperty("featureKey").GetString());
        Assert.Equal("2024-01-15T12:00:00+00:00", boolean.GetProperty("activeFrom").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture));
        Assert.Equal("it", boolean.GetProperty("metadata").GetProperty("team").GetString());
        Assert.False(boolean.TryGetProperty("config", out _));

        var config = """{"level":"gold","hours":[9,17]}""";
        var staticOne = await PostAsync(server, Entitlements, JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "static", ["featureKey"] = "support", ["config"] = config }));
        Assert.Equal(config, staticOne.GetProperty("config").GetString());

        var metered = await PostAsync(server, Entitlements, MonthlyTokens);
        var id = metered.GetProperty("id").GetString()!;
        Assert.Matches("^[0-7][0-9A-HJKMNP-TV-Z]{25}$", id);
        Assert.Equal("MONTH", metered.GetProperty("usagePeriod").GetProperty("interval").GetString());
        Assert.Equal("P1M", metered.GetProperty("usagePeriod").GetProperty("intervalISO").GetString());
        Assert.Equal(T("2024-01-01T00:00:00Z"), metered.GetProperty("currentUsagePeriod").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(T("2024-02-01T00:00:00Z"), metered.GetProperty("currentUsagePeriod").GetProperty("to").GetDateTimeOffset());
        Assert.Equal(T("2024-01-01T00:00:00Z"), metered.GetProperty("measureUsageFrom").GetDateTimeOffset());
        Assert.Equal(T("2024-01-01T00:00:00Z"), metered.GetProperty("lastReset").GetDateTimeOffset());
        Assert.False(metered.GetProperty("isSoftLimit").GetBoolean());
        Assert.Equal(100m, metered.GetProperty("issue").GetProperty("amount").GetDecimal());

        var byKey = await GetAsync(server, $"{Entitlements}/tokens");
        var byId = await GetAsync(server, $"{Entitlements}/{id}");
        Assert.Equal(byId.GetRawText(), byKey.GetRawText());
        var everywhere = await GetAsync(server, $"/api/v2/entitlements/{id}");
        Assert.Equal(byId.GetRawText(), everywhere.GetRawText());

        var list = await GetAsync(server, Entitlements);
        Assert.Equal(3, list.GetProperty("totalCount").GetInt32());
        Assert.Equal(["sso", "support", "tokens"], list.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("featureKey").GetString()).Order(StringComparer.Ordinal));

        Assert.True((await GetAsync(server, $"{Entitlements}/sso/value")).GetProperty("hasAccess").GetBoolean());
        Assert.Equal(config, (await GetAsync(server, $"{Entitlements}/support/value")).GetProperty("config").GetString());
        Assert.Equal("access=True balance=100 usage=0 overage=0 total=100", await ValueAsync(server));

        // The entitlement created its issue-after-reset grant, which rolls over to its full amount.
        var grants = await GetAsync(server, $"{Entitlements}/tokens/grants");
        var issued = Assert.Single(grants.GetProperty("items").EnumerateArray());
        Assert.Equal(100m, issued.GetProperty("amount").GetDecimal());
        Assert.Equal(100m, issued.GetProperty("minRolloverAmount").GetDecimal());
        Assert.Equal(100m, issued.GetProperty("maxRolloverAmount").GetDecimal());
        Assert.True(issued.GetProperty("annotations").GetProperty("issueAfterReset").GetBoolean());

        var clash = await PostAsync(server, Entitlements, """{"type":"boolean","featureKey":"tokens"}""", HttpStatusCode.Conflict);
        Assert.Contains("tokens", clash.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await SendAsync(server, HttpMethod.Delete, $"{Entitlements}/sso", null, HttpStatusCode.NoContent);
        await GetAsync(server, $"{Entitlements}/sso", HttpStatusCode.NotFound);
        Assert.Equal(2, (await GetAsync(server, Entitlements)).GetProperty("totalCount").GetInt32());
        Assert.Equal(3, (await GetAsync(server, $"{Entitlements}?includeDeleted=true")).GetProperty("totalCount").GetInt32());

        // Deleted, the feature is free for a new entitlement.
        await PostAsync(server, Entitlements, """{"type":"boolean","featureKey":"sso"}""");

        var restarted = await server.RestartAsync(new FakeTimeProvider(T("2024-01-15T12:00:00Z")));
        await using var _restarted = restarted;
        Assert.Equal(byId.GetRawText(), (await GetAsync(restarted, $"{Entitlements}/{id}")).GetRawText());
    }

    [Fact]
    public async Task Metered_value_burns_the_customers_filtered_usage_from_grants_by_priority()
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        await PostAsync(server, Entitlements, """{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"MONTH","anchor":"2024-01-01T00:00:00Z"}}""");
        var later = await PostAsync(server, $"{Entitlements}/tokens/grants", """{"amount":100,"priority":2,"effectiveAt":"2024-01-01T00:00:00Z"}""");
        var first = await PostAsync(server, $"{Entitlements}/tokens/grants", """{"amount":50,"priority":1,"effectiveAt":"2024-01-01T00:00:00Z","expiration":{"duration":"MONTH","count":1}}""");
        Assert.Equal(T("2024-02-01T00:00:00Z"), first.GetProperty("expiresAt").GetDateTimeOffset());
        // Before it was created the entitlement was not active: no access, and no balance to speak of.
        Assert.Equal("""{"hasAccess":false}""", (await GetAsync(server, $"{Entitlements}/tokens/value?time=2024-01-15T11:59:59Z")).GetRawText());

        await IngestAsync(server, Batch([
            Event("1", "acme-app", "2024-01-05T10:00:00Z", Tokens(30)),
            Event("2", "acme-app", "2024-01-10T10:00:00Z", Tokens(40)),
            Event("3", "acme-app", "2024-01-10T11:00:00Z", Tokens(1000, "gpt-4o")),
            Event("4", "beta", "2024-01-10T11:00:00Z", Tokens(500)),
        ]));

        Assert.Equal("access=True balance=80 usage=70 overage=0 total=150", await ValueAsync(server));
        var value = await GetAsync(server, $"{Entitlements}/tokens/value");
        Assert.Equal(0m, value.GetProperty("grantBalances").GetProperty(first.GetProperty("id").GetString()!).GetDecimal());
        Assert.Equal(80m, value.GetProperty("grantBalances").GetProperty(later.GetProperty("id").GetString()!).GetDecimal());

        // At the next period the expiring grant is gone and the other rolls over its 80 (its max rollover is its amount).
        Assert.Equal("access=True balance=80 usage=0 overage=0 total=80", await ValueAsync(server, query: "?time=2024-02-01T00:00:00Z"));

        await IngestAsync(server, Batch([Event("5", "acme-app", "2024-01-12T10:00:00Z", Tokens(100))]));
        Assert.Equal("access=False balance=0 usage=170 overage=20 total=150", await ValueAsync(server));

        var v1 = await GetAsync(server, "/api/v1/customers/acme/entitlements/tokens/value");
        Assert.Equal("access=False balance=0 usage=170 overage=20 total=150", Value(v1));
        Assert.False(v1.TryGetProperty("grantBalances", out _));
    }

    [Fact]
    public async Task A_soft_limit_keeps_access_in_overage()
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        await PostAsync(server, Entitlements, """{"type":"metered","featureKey":"tokens","isSoftLimit":true,"usagePeriod":{"interval":"DAY","anchor":"2024-01-01T00:00:00Z"},"issueAfterReset":10}""");
        await IngestAsync(server, Batch([Event("1", "acme-app", "2024-01-15T10:00:00Z", Tokens(25))]));
        Assert.Equal("access=True balance=0 usage=25 overage=15 total=10", await ValueAsync(server));
    }

    [Theory]
    [InlineData("{}", "access=True balance=100 usage=0 overage=0 total=100", "2024-01-15T12:00:00Z", "2024-02-15T12:00:00Z")]
    [InlineData("""{"preserveOverage":true,"retainAnchor":true}""", "access=True balance=70 usage=0 overage=0 total=100", "2024-01-15T12:00:00Z", "2024-02-01T00:00:00Z")]
    public async Task A_reset_starts_a_new_period_forgiving_or_preserving_overage(string reset, string after, string periodFrom, string periodTo)
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        await PostAsync(server, Entitlements, MonthlyTokens);
        await IngestAsync(server, Batch([Event("1", "acme-app", "2024-01-10T10:00:00Z", Tokens(130))]));
        Assert.Equal("access=False balance=0 usage=130 overage=30 total=100", await ValueAsync(server));

        await SendAsync(server, HttpMethod.Post, $"{Entitlements}/tokens/reset", reset, HttpStatusCode.NoContent);
        Assert.Equal(after, await ValueAsync(server));
        var entitlement = await GetAsync(server, $"{Entitlements}/tokens");
        Assert.Equal(T("2024-01-15T12:00:00Z"), entitlement.GetProperty("lastReset").GetDateTimeOffset());
        Assert.Equal(T(periodFrom), entitlement.GetProperty("currentUsagePeriod").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(T(periodTo), entitlement.GetProperty("currentUsagePeriod").GetProperty("to").GetDateTimeOffset());

        // The usage before the reset stays in the old period; the issued grant refills at the next period.
        // A restart moves the clock: stepping a live server's fake clock by a month would fire its 250 ms refresh timer 10 million times.
        var later = await server.RestartAsync(new FakeTimeProvider(T(periodTo).AddDays(1)));
        await using var _later = later;
        server = later;
        await IngestAsync(server, Batch([Event("2", "acme-app", T(periodTo).AddHours(12).ToString("O", CultureInfo.InvariantCulture), Tokens(10))]));
        Assert.Equal("access=True balance=90 usage=10 overage=0 total=100", await ValueAsync(server));

        // A reset must come after the current period's start.
        var problem = await PostAsync(server, $"{Entitlements}/tokens/reset", """{"effectiveAt":"2024-01-20T00:00:00Z"}""", HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("effectiveAt", out _));
    }

    [Fact]
    public async Task History_gives_usage_and_balance_per_window_and_the_burn_down()
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        await PostAsync(server, Entitlements, MonthlyTokens);
        await IngestAsync(server, Batch([
            Event("1", "acme-app", "2024-01-02T10:00:00Z", Tokens(10)),
            Event("2", "acme-app", "2024-01-03T10:00:00Z", Tokens(15)),
            Event("3", "acme-app", "2024-01-03T12:00:00Z", Tokens(5)),
            Event("4", "acme-app", "2024-01-05T23:59:00Z", Tokens(5)),
        ]));
        var issued = (await GetAsync(server, $"{Entitlements}/tokens/grants")).GetProperty("items")[0].GetProperty("id").GetString()!;

        var history = await GetAsync(server, $"{Entitlements}/tokens/history{Query(("windowSize", "DAY"), ("from", "2024-01-01T00:00:00Z"), ("to", "2024-01-06T00:00:00Z"))}");
        Assert.Equal(
            ["2024-01-02 10 100", "2024-01-03 20 90", "2024-01-05 5 70"],
            history.GetProperty("windowedHistory").EnumerateArray().Select(w => string.Create(CultureInfo.InvariantCulture,
                $"{w.GetProperty("period").GetProperty("from").GetDateTimeOffset():yyyy-MM-dd} {w.GetProperty("usage").GetDecimal()} {w.GetProperty("balanceAtStart").GetDecimal()}")));
        var segment = Assert.Single(history.GetProperty("burndownHistory").EnumerateArray());
        Assert.Equal(T("2024-01-01T00:00:00Z"), segment.GetProperty("period").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(T("2024-01-06T00:00:00Z"), segment.GetProperty("period").GetProperty("to").GetDateTimeOffset());
        Assert.Equal(35m, segment.GetProperty("usage").GetDecimal());
        Assert.Equal(100m, segment.GetProperty("balanceAtStart").GetDecimal());
        Assert.Equal(65m, segment.GetProperty("balanceAtEnd").GetDecimal());
        Assert.Equal(65m, segment.GetProperty("grantBalancesAtEnd").GetProperty(issued).GetDecimal());
        var usage = Assert.Single(segment.GetProperty("grantUsages").EnumerateArray());
        Assert.Equal((issued, 35m), (usage.GetProperty("grantId").GetString(), usage.GetProperty("usage").GetDecimal()));

        var missing = await GetAsync(server, $"{Entitlements}/tokens/history", HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("windowSize", out _));
    }

    [Fact]
    public async Task Override_replaces_the_entitlement_and_access_lists_every_active_one()
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        var old = await PostAsync(server, Entitlements, MonthlyTokens);
        await PostAsync(server, Entitlements, """{"type":"boolean","featureKey":"sso"}""");
        var replaced = await SendAsync(server, HttpMethod.Put, $"{Entitlements}/tokens/override",
            """{"type":"metered","usagePeriod":{"interval":"MONTH","anchor":"2024-01-01T00:00:00Z"},"issue":{"amount":500,"priority":3}}""", HttpStatusCode.Created);
        Assert.NotEqual(old.GetProperty("id").GetString(), replaced.GetProperty("id").GetString());
        Assert.Equal("tokens", replaced.GetProperty("featureKey").GetString());
        Assert.Equal("access=True balance=500 usage=0 overage=0 total=500", await ValueAsync(server));
        var deleted = await GetAsync(server, $"/api/v2/entitlements/{old.GetProperty("id").GetString()}");
        Assert.True(deleted.TryGetProperty("deletedAt", out _));

        var access = (await GetAsync(server, "/api/v1/customers/acme/access")).GetProperty("entitlements");
        Assert.Equal(["sso", "tokens"], access.EnumerateObject().Select(p => p.Name));
        Assert.True(access.GetProperty("sso").GetProperty("hasAccess").GetBoolean());
        Assert.Equal(500m, access.GetProperty("tokens").GetProperty("balance").GetDecimal());

        var all = await GetAsync(server, "/api/v2/entitlements?entitlementType=metered&includeDeleted=true");
        Assert.Equal(2, all.GetProperty("totalCount").GetInt32());
        var grants = await GetAsync(server, "/api/v2/grants?feature=tokens&customer=acme");
        Assert.Equal(1, grants.GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"featureKey":"sso"}""", "type")]
    [InlineData("""{"type":"unlimited","featureKey":"sso"}""", "type")]
    [InlineData("""{"type":"boolean"}""", "featureKey")]
    [InlineData("""{"type":"boolean","featureKey":"nope"}""", "featureKey")]
    [InlineData("""{"type":"boolean","featureKey":"sso","config":"{}"}""", "config")]
    [InlineData("""{"type":"static","featureKey":"sso"}""", "config")]
    [InlineData("""{"type":"static","featureKey":"sso","config":"{not json"}""", "config")]
    [InlineData("""{"type":"static","featureKey":"sso","config":{"a":1}}""", "config")]
    [InlineData("""{"type":"metered","featureKey":"sso","usagePeriod":{"interval":"MONTH"}}""", "featureKey")]
    [InlineData("""{"type":"metered","featureKey":"tokens"}""", "usagePeriod")]
    [InlineData("""{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"FORTNIGHT"}}""", "usagePeriod.interval")]
    [InlineData("""{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"PT5M"}}""", "usagePeriod.interval")]
    [InlineData("""{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"DAY"},"measureUsageFrom":"LATER"}""", "measureUsageFrom")]
    [InlineData("""{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"DAY"},"issue":{"amount":-1}}""", "issue.amount")]
    [InlineData("""{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"DAY"},"grants":[{"amount":5}]}""", "grants[0].effectiveAt")]
    [InlineData("""{"type":"boolean","featureKey":"sso","isSoftLimit":true}""", "isSoftLimit")]
    public async Task Invalid_entitlements_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        var problem = await PostAsync(server, Entitlements, json, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Equal(0, (await GetAsync(server, $"{Entitlements}?includeDeleted=true")).GetProperty("totalCount").GetInt32());
        Assert.Equal(0, (await GetAsync(server, "/api/v2/grants?includeDeleted=true")).GetProperty("totalCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"effectiveAt":"2024-01-01T00:00:00Z"}""", "amount")]
    [InlineData("""{"amount":10}""", "effectiveAt")]
    [InlineData("""{"amount":10,"effectiveAt":"2024-01-01T00:00:00Z","priority":0}""", "priority")]
    [InlineData("""{"amount":10,"effectiveAt":"2024-01-01T00:00:00Z","expiration":{"duration":"DECADE","count":1}}""", "expiration.duration")]
    [InlineData("""{"amount":10,"effectiveAt":"2024-01-01T00:00:00Z","expiration":{"duration":"DAY","count":0}}""", "expiration.count")]
    [InlineData("""{"amount":10,"effectiveAt":"2024-01-01T00:00:00Z","minRolloverAmount":5,"maxRolloverAmount":2}""", "maxRolloverAmount")]
    [InlineData("""{"amount":10,"effectiveAt":"2024-01-01T00:00:00Z","recurrence":{"interval":"P1.5D"}}""", "recurrence.interval")]
    [InlineData("""{"amount":"ten","effectiveAt":"2024-01-01T00:00:00Z"}""", "amount")]
    public async Task Invalid_grants_are_refused_naming_the_field(string json, string field)
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        await PostAsync(server, Entitlements, """{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"MONTH"}}""");
        var problem = await PostAsync(server, $"{Entitlements}/tokens/grants", json, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Equal(0, (await GetAsync(server, $"{Entitlements}/tokens/grants?includeDeleted=true")).GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Unknown_customers_and_entitlements_are_not_found()
    {
        var (server, _) = await SeededAsync();
        await using var _server = server;
        await GetAsync(server, "/api/v2/customers/nobody/entitlements", HttpStatusCode.NotFound);
        await PostAsync(server, "/api/v2/customers/nobody/entitlements", """{"type":"boolean","featureKey":"sso"}""", HttpStatusCode.NotFound);
        await GetAsync(server, $"{Entitlements}/sso", HttpStatusCode.NotFound);
        await GetAsync(server, $"{Entitlements}/sso/value", HttpStatusCode.NotFound);
        await PostAsync(server, $"{Entitlements}/sso/grants", """{"amount":1,"effectiveAt":"2024-01-01T00:00:00Z"}""", HttpStatusCode.NotFound);
        await GetAsync(server, "/api/v2/entitlements/01HZZZZZZZZZZZZZZZZZZZZZZZ", HttpStatusCode.NotFound);
        await SendAsync(server, HttpMethod.Delete, $"{Entitlements}/sso", null, HttpStatusCode.NotFound);

        // Grants and resets belong to metered entitlements.
        await PostAsync(server, Entitlements, """{"type":"boolean","featureKey":"sso"}""");
        var grant = await PostAsync(server, $"{Entitlements}/sso/grants", """{"amount":1,"effectiveAt":"2024-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest);
        Assert.True(grant.GetProperty("errors").TryGetProperty("entitlementIdOrFeatureKey", out _));
        await GetAsync(server, $"{Entitlements}/sso/value?time=yesterday", HttpStatusCode.BadRequest);
    }
}

public sealed class EntitlementsApiTestsOnSqlite() : EntitlementsApiTests(TestStore.Sqlite);

public sealed class EntitlementsApiTestsOnPostgres() : EntitlementsApiTests(TestStore.Postgres);
