using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing;

public abstract class CustomersApiTests(TestStore store)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2024-01-01T00:00:00Z", CultureInfo.InvariantCulture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_get_replace_and_delete_a_customer()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await store.StartAsync(time: clock);

        using var created = await server.PostJsonAsync("/api/v1/customers", """
            {"name":"ACME Inc.","description":"Rockets","key":"acme","usageAttribution":{"subjectKeys":["alice","bob"]},
             "primaryEmail":"billing@acme.example","currency":"EUR","metadata":{"tier":"gold"},
             "billingAddress":{"country":"DE","city":"Berlin","postalCode":"10115","line1":"Unter den Linden 1"}}
            """);
        var body = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        using var customer = JsonDocument.Parse(body);
        var root = customer.RootElement;
        var id = root.GetProperty("id").GetString()!;
        Assert.Matches("^[0-7][0-9A-HJKMNP-TV-Z]{25}$", id);
        Assert.Equal($"/api/v1/customers/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("ACME Inc.", root.GetProperty("name").GetString());
        Assert.Equal("Rockets", root.GetProperty("description").GetString());
        Assert.Equal("acme", root.GetProperty("key").GetString());
        Assert.Equal("""{"subjectKeys":["alice","bob"]}""", root.GetProperty("usageAttribution").GetRawText());
        Assert.Equal("billing@acme.example", root.GetProperty("primaryEmail").GetString());
        Assert.Equal("EUR", root.GetProperty("currency").GetString());
        Assert.Equal("""{"tier":"gold"}""", root.GetProperty("metadata").GetRawText());
        Assert.Equal("""{"country":"DE","postalCode":"10115","city":"Berlin","line1":"Unter den Linden 1"}""", root.GetProperty("billingAddress").GetRawText());
        Assert.Equal(Start, root.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(Start, root.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.False(root.TryGetProperty("deletedAt", out _));

        using var byId = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/customers/{id}"));
        using var byKey = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/acme"));
        Assert.Equal(root.GetRawText(), byId.RootElement.GetRawText());
        Assert.Equal(root.GetRawText(), byKey.RootElement.GetRawText());

        // Replace: primaryEmail and currency left out keep their values (as OpenMeter does); the address is cleared.
        clock.Advance(TimeSpan.FromMinutes(5));
        using var replaced = await PutJsonAsync(server, "/api/v1/customers/acme", """
            {"name":"ACME Corporation","key":"acme_corp","usageAttribution":{"subjectKeys":["bob","carol"]}}
            """);
        var replacedBody = await replaced.Content.ReadAsStringAsync(Ct);
        Assert.True(replaced.StatusCode == HttpStatusCode.OK, replacedBody);
        using var after = JsonDocument.Parse(replacedBody);
        Assert.Equal(id, after.RootElement.GetProperty("id").GetString());
        Assert.Equal("ACME Corporation", after.RootElement.GetProperty("name").GetString());
        Assert.Equal("acme_corp", after.RootElement.GetProperty("key").GetString());
        Assert.Equal("""{"subjectKeys":["bob","carol"]}""", after.RootElement.GetProperty("usageAttribution").GetRawText());
        Assert.Equal("billing@acme.example", after.RootElement.GetProperty("primaryEmail").GetString());
        Assert.Equal("EUR", after.RootElement.GetProperty("currency").GetString());
        Assert.False(after.RootElement.TryGetProperty("description", out _));
        Assert.False(after.RootElement.TryGetProperty("metadata", out _));
        Assert.False(after.RootElement.TryGetProperty("billingAddress", out _));
        Assert.Equal(Start, after.RootElement.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(Start.AddMinutes(5), after.RootElement.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.NotFound, (await server.GetAsync("/api/v1/customers/acme")).StatusCode);

        // Delete: gone from lists and by key, still answered by id with deletedAt.
        clock.Advance(TimeSpan.FromMinutes(5));
        using var deleted = await server.Admin.DeleteAsync("/api/v1/customers/acme_corp", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/customers/{id}"));
        Assert.Equal(Start.AddMinutes(10), gone.RootElement.GetProperty("deletedAt").GetDateTimeOffset());
        Assert.Equal("""{"subjectKeys":["bob","carol"]}""", gone.RootElement.GetProperty("usageAttribution").GetRawText());
        using var byOldKey = await server.GetAsync("/api/v1/customers/acme_corp");
        Assert.Equal(HttpStatusCode.NotFound, byOldKey.StatusCode);
        Assert.Equal("application/problem+json", byOldKey.Content.Headers.ContentType?.MediaType);
        using var again = await server.Admin.DeleteAsync($"/api/v1/customers/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var updateDeleted = await PutJsonAsync(server, $"/api/v1/customers/{id}", """{"name":"Back"}""");
        await AssertBadRequestAsync(updateDeleted, "customerIdOrKey");

        using var live = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers"));
        Assert.Equal(0, live.RootElement.GetProperty("totalCount").GetInt32());
        Assert.Empty(live.RootElement.GetProperty("items").EnumerateArray());
        using var all = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers?includeDeleted=true"));
        Assert.Equal(id, Assert.Single(all.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_customer_without_key_or_subjects_is_created_with_an_empty_usage_attribution()
    {
        await using var server = await store.StartAsync();
        using var created = await server.PostJsonAsync("/api/v1/customers", """{"name":"Walk-in"}""");
        var body = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        using var customer = JsonDocument.Parse(body);
        Assert.Equal("""{"subjectKeys":[]}""", customer.RootElement.GetProperty("usageAttribution").GetRawText());
        Assert.False(customer.RootElement.TryGetProperty("key", out _));
    }

    [Fact]
    public async Task List_filters_orders_and_pages()
    {
        var clock = new FakeTimeProvider(Start);
        await using var server = await store.StartAsync(time: clock);
        var bravo = await CreateAsync(server, """{"name":"Bravo","key":"cust_b","primaryEmail":"ops@bravo.example","usageAttribution":{"subjectKeys":["Team-Bravo"]}}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        var alpha = await CreateAsync(server, """{"name":"alpha","key":"CUST_A","primaryEmail":"Billing@Alpha.example","usageAttribution":{"subjectKeys":["team-alpha","ops"]}}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        var charlie = await CreateAsync(server, """{"name":"Charlie","key":"other_c"}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        var delta = await CreateAsync(server, """{"name":"Delta","key":"cust_d","usageAttribution":{"subjectKeys":["team-delta"]}}""");
        using var deleted = await server.Admin.DeleteAsync("/api/v1/customers/cust_d", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // Name by default, ordinal (so "Bravo" < "Charlie" < "alpha").
        Assert.Equal([bravo, charlie, alpha], await IdsAsync(server, ""));
        Assert.Equal([alpha, charlie, bravo], await IdsAsync(server, "order=DESC"));
        Assert.Equal([bravo, alpha, charlie], await IdsAsync(server, "orderBy=createdAt"));
        Assert.Equal([charlie, alpha, bravo], await IdsAsync(server, "orderBy=createdAt&order=DESC"));
        Assert.Equal(new[] { alpha, bravo, charlie }.Order(StringComparer.Ordinal), await IdsAsync(server, "orderBy=id"));
        Assert.Equal([bravo, alpha, charlie, delta], await IdsAsync(server, "orderBy=createdAt&includeDeleted=true"));

        // Filters: case-insensitive partial matches.
        Assert.Equal([bravo, alpha], await IdsAsync(server, "key=cust&orderBy=createdAt"));
        Assert.Equal([alpha], await IdsAsync(server, "name=ALP"));
        Assert.Equal([alpha], await IdsAsync(server, "primaryEmail=billing@alpha"));
        Assert.Equal([bravo], await IdsAsync(server, "primaryEmail=OPS@"));
        Assert.Equal([bravo, alpha], await IdsAsync(server, "subject=team&orderBy=createdAt"));
        Assert.Equal([alpha], await IdsAsync(server, "subject=OPS"));
        Assert.Equal([delta], await IdsAsync(server, "subject=delta&includeDeleted=true"));
        Assert.Empty(await IdsAsync(server, "subject=delta"));
        Assert.Empty(await IdsAsync(server, "planKey=pro"));
        Assert.Equal([bravo, charlie, alpha], await IdsAsync(server, "expand=subscriptions"));

        // Paging: page 2 of 2 per page holds the third by name; totalCount counts every match.
        using var page = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers?page=2&pageSize=2"));
        Assert.Equal(3, page.RootElement.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, page.RootElement.GetProperty("page").GetInt32());
        Assert.Equal(2, page.RootElement.GetProperty("pageSize").GetInt32());
        Assert.Equal(alpha, Assert.Single(page.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        using var defaults = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers"));
        Assert.Equal(1, defaults.RootElement.GetProperty("page").GetInt32());
        Assert.Equal(100, defaults.RootElement.GetProperty("pageSize").GetInt32());

        await AssertBadRequestAsync(await server.GetAsync("/api/v1/customers?orderBy=key"), "orderBy");
        await AssertBadRequestAsync(await server.GetAsync("/api/v1/customers?order=UP"), "order");
        await AssertBadRequestAsync(await server.GetAsync("/api/v1/customers?includeDeleted=yes"), "includeDeleted");
        await AssertBadRequestAsync(await server.GetAsync("/api/v1/customers?expand=invoices"), "expand");
        await AssertBadRequestAsync(await server.GetAsync("/api/v1/customers?pageSize=1001"), "pageSize");
        await AssertBadRequestAsync(await server.GetAsync($"/api/v1/customers/{alpha}?expand=apps"), "expand");
    }

    [Fact]
    public async Task Keys_and_subjects_belong_to_one_live_customer_and_a_clash_stores_nothing()
    {
        await using var server = await store.StartAsync();
        var acme = await CreateAsync(server, """{"name":"ACME","key":"acme","usageAttribution":{"subjectKeys":["alice","bob"]}}""");
        var solo = await CreateAsync(server, """{"name":"Solo","key":"solo"}""");

        var keyClash = await ConflictAsync(await server.PostJsonAsync("/api/v1/customers", """{"name":"Other","key":"acme"}"""));
        Assert.Contains($"key \"acme\" is already used by customer {acme}", keyClash, StringComparison.Ordinal);

        var subjectClash = await ConflictAsync(await server.PostJsonAsync("/api/v1/customers", """{"name":"Other","key":"other","usageAttribution":{"subjectKeys":["carol","bob"]}}"""));
        Assert.Contains($"subject \"bob\" is already attributed to customer {acme} (\"ACME\")", subjectClash, StringComparison.Ordinal);

        // A customer with no subject keys is attributed its key: that subject is taken too.
        var keyAsSubject = await ConflictAsync(await server.PostJsonAsync("/api/v1/customers", """{"name":"Other","usageAttribution":{"subjectKeys":["solo"]}}"""));
        Assert.Contains($"subject \"solo\" is already attributed to customer {solo}", keyAsSubject, StringComparison.Ordinal);

        var keyIsSubject = await ConflictAsync(await server.PostJsonAsync("/api/v1/customers", """{"name":"Other","key":"alice","usageAttribution":{"subjectKeys":["zed"]}}"""));
        Assert.Contains($"key \"alice\" is a subject attributed to customer {acme}", keyIsSubject, StringComparison.Ordinal);

        var keyIsId = await ConflictAsync(await server.PostJsonAsync("/api/v1/customers", $$"""{"name":"Other","key":"{{acme}}"}"""));
        Assert.Contains("is the id of another customer", keyIsId, StringComparison.Ordinal);

        // A replace into a clash changes nothing either.
        var replaceClash = await ConflictAsync(await PutJsonAsync(server, "/api/v1/customers/solo", """{"name":"Solo","key":"solo","usageAttribution":{"subjectKeys":["alice"]}}"""));
        Assert.Contains("subject \"alice\"", replaceClash, StringComparison.Ordinal);
        using var unchanged = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/solo"));
        Assert.Equal("""{"subjectKeys":[]}""", unchanged.RootElement.GetProperty("usageAttribution").GetRawText());

        // Replacing a customer with its own key and subjects is no clash.
        using var same = await PutJsonAsync(server, "/api/v1/customers/acme", """{"name":"ACME 2","key":"acme","usageAttribution":{"subjectKeys":["bob","alice"]}}""");
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);

        Assert.Equal(2, (await IdsAsync(server, "includeDeleted=true")).Count);
    }

    [Fact]
    public async Task A_deleted_customers_key_and_subjects_are_free_again()
    {
        await using var server = await store.StartAsync();
        var old = await CreateAsync(server, """{"name":"Old","key":"acme","usageAttribution":{"subjectKeys":["alice","bob"]}}""");
        using var deleted = await server.Admin.DeleteAsync($"/api/v1/customers/{old}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        var reborn = await CreateAsync(server, """{"name":"New","key":"acme","usageAttribution":{"subjectKeys":["bob"]}}""");
        var other = await CreateAsync(server, """{"name":"Other","usageAttribution":{"subjectKeys":["alice"]}}""");
        Assert.NotEqual(old, reborn);
        using var byKey = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/acme"));
        Assert.Equal(reborn, byKey.RootElement.GetProperty("id").GetString());
        Assert.Equal([reborn], await IdsAsync(server, "subject=bob"));
        Assert.Equal([other], await IdsAsync(server, "subject=alice"));
        using var oldById = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/customers/{old}"));
        Assert.Equal("Old", oldById.RootElement.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{}""", "name")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"   "}""", "name")]
    [InlineData("""{"name":5}""", "name")]
    [InlineData("""{"name":"x","description":5}""", "description")]
    [InlineData("""{"name":"x","key":""}""", "key")]
    [InlineData("""{"name":"x","usageAttribution":{"subjectKeys":["ok",""]}}""", "usageAttribution.subjectKeys[1]")]
    [InlineData("""{"name":"x","usageAttribution":{"subjectKeys":["a","b","a"]}}""", "usageAttribution.subjectKeys[2]")]
    [InlineData("""{"name":"x","usageAttribution":{"subjectKeys":[5]}}""", "usageAttribution.subjectKeys[0]")]
    [InlineData("""{"name":"x","usageAttribution":{}}""", "usageAttribution.subjectKeys")]
    [InlineData("""{"name":"x","usageAttribution":{"subjectKeys":"alice"}}""", "usageAttribution.subjectKeys")]
    [InlineData("""{"name":"x","primaryEmail":"not-an-email"}""", "primaryEmail")]
    [InlineData("""{"name":"x","primaryEmail":"a@b"}""", "primaryEmail")]
    [InlineData("""{"name":"x","primaryEmail":"a b@example.com"}""", "primaryEmail")]
    [InlineData("""{"name":"x","currency":"usd"}""", "currency")]
    [InlineData("""{"name":"x","currency":"XYZ"}""", "currency")]
    [InlineData("""{"name":"x","billingAddress":{"country":"de"}}""", "billingAddress.country")]
    [InlineData("""{"name":"x","billingAddress":{"country":"DEU"}}""", "billingAddress.country")]
    [InlineData("""{"name":"x","metadata":{"tier":1}}""", "metadata.tier")]
    [InlineData("""{"name":"x","metadata":{"tier":null}}""", "metadata.tier")]
    [InlineData("""{"name":"x","metadata":["a"]}""", "metadata")]
    public async Task Invalid_customers_are_refused_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        await using var server = await store.StartAsync();
        await AssertBadRequestAsync(await server.PostJsonAsync("/api/v1/customers", json), field);
        Assert.Empty(await IdsAsync(server, "includeDeleted=true"));

        // The same body as a replace changes nothing.
        await CreateAsync(server, """{"name":"Kept","key":"kept"}""");
        await AssertBadRequestAsync(await PutJsonAsync(server, "/api/v1/customers/kept", json), field);
        using var kept = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/kept"));
        Assert.Equal("Kept", kept.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Long_names_descriptions_and_keys_are_refused()
    {
        await using var server = await store.StartAsync();
        await AssertBadRequestAsync(await server.PostJsonAsync("/api/v1/customers", $$"""{"name":"{{new string('n', 257)}}"}"""), "name");
        await AssertBadRequestAsync(await server.PostJsonAsync("/api/v1/customers", $$"""{"name":"x","description":"{{new string('d', 1025)}}"}"""), "description");
        await AssertBadRequestAsync(await server.PostJsonAsync("/api/v1/customers", $$"""{"name":"x","key":"{{new string('k', 257)}}"}"""), "key");
        await CreateAsync(server, $$"""{"name":"{{new string('n', 256)}}","key":"{{new string('k', 256)}}"}""");
        Assert.Single(await IdsAsync(server, ""));
    }

    [Fact]
    public async Task Unknown_customers_answer_404()
    {
        await using var server = await store.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await server.GetAsync("/api/v1/customers/nobody")).StatusCode);
        using var put = await PutJsonAsync(server, "/api/v1/customers/nobody", """{"name":"x"}""");
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        using var delete = await server.Admin.DeleteAsync("/api/v1/customers/nobody", Ct);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }

    [Fact]
    public async Task Concurrent_creations_of_one_key_or_subject_admit_exactly_one()
    {
        await using var server = await store.StartAsync();
        var attempts = Enumerable.Range(0, 8).Select(i => server.PostJsonAsync(
            "/api/v1/customers", $$$"""{"name":"Racer {{{i}}}","key":"racer_{{{i % 2}}}","usageAttribution":{"subjectKeys":["kong-air"]}}"""));
        var responses = await Task.WhenAll(attempts);
        try
        {
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        Assert.Single(await IdsAsync(server, "subject=kong-air"));
    }

    [Fact]
    public async Task Customers_survive_a_restart()
    {
        var server = await store.StartAsync();
        try
        {
            var id = await CreateAsync(server, """{"name":"Durable","key":"durable","currency":"JPY","usageAttribution":{"subjectKeys":["consumer-1"]}}""");
            server = await server.RestartAsync();
            using var customer = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers/durable"));
            Assert.Equal(id, customer.RootElement.GetProperty("id").GetString());
            Assert.Equal("JPY", customer.RootElement.GetProperty("currency").GetString());
            Assert.Equal([id], await IdsAsync(server, "subject=consumer-1"));
            var clash = await ConflictAsync(await server.PostJsonAsync("/api/v1/customers", """{"name":"x","usageAttribution":{"subjectKeys":["consumer-1"]}}"""));
            Assert.Contains("consumer-1", clash, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<string> CreateAsync(TollgateServer server, string json)
    {
        using var response = await server.PostJsonAsync("/api/v1/customers", json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var customer = JsonDocument.Parse(body);
        return customer.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<List<string>> IdsAsync(TollgateServer server, string query)
    {
        using var page = JsonDocument.Parse(await server.GetStringAsync("/api/v1/customers?" + query));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()!)];
    }

    private static Task<HttpResponseMessage> PutJsonAsync(TollgateServer server, string path, string json) =>
        server.Admin.PutAsync(path, new StringContent(json, Encoding.UTF8, MediaTypeHeaderValue.Parse("application/json")), Ct);

    private static async Task AssertBadRequestAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
        }
    }

    private static async Task<string> ConflictAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, body);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.GetProperty("detail").GetString()!;
        }
    }
}

/// <summary>Two nodes on one PostgreSQL database: uniqueness is decided on the stored state, not a node's copy.</summary>
public sealed class CustomersMultiNodeTests
{
    [Fact]
    public async Task A_subject_taken_on_one_node_is_refused_on_the_other_and_the_customer_is_visible_there()
    {
        var database = TestStore.Postgres.NewDatabaseUrl();
        await using var a = await TollgateServer.StartAsync(databaseUrl: database);
        await using var b = await TollgateServer.StartAsync(databaseUrl: database);

        using var created = await a.PostJsonAsync("/api/v1/customers", """{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // Node b may not have refreshed yet: the clash is still found, because the change runs on the stored state.
        using var clash = await b.PostJsonAsync("/api/v1/customers", """{"name":"Copycat","usageAttribution":{"subjectKeys":["kong-air"]}}""");
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        using var keyClash = await b.PostJsonAsync("/api/v1/customers", """{"name":"Copycat","key":"kong_air"}""");
        Assert.Equal(HttpStatusCode.Conflict, keyClash.StatusCode);

        using var customer = JsonDocument.Parse(await b.GetStringAsync("/api/v1/customers/kong_air"));
        Assert.Equal("Kong Air", customer.RootElement.GetProperty("name").GetString());
    }
}

public sealed class CustomersApiTestsOnSqlite() : CustomersApiTests(TestStore.Sqlite);

public sealed class CustomersApiTestsOnPostgres() : CustomersApiTests(TestStore.Postgres);
