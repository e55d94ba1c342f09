using System.Net;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.EntitlementsApiTests;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Billing;

public abstract class EntitlementsV1ApiTests(TestStore store)
{
    private const string Subject = "/api/v1/subjects/acme-app/entitlements";

    [Fact]
    public async Task Subject_paths_reach_the_customer_the_subject_belongs_to()
    {
        var (server, _) = await SeedAsync(store);
        await using var _server = server;
        var created = await PostAsync(server, Subject, """{"type":"metered","featureKey":"tokens","usagePeriod":{"interval":"MONTH","anchor":"2024-01-01T00:00:00Z"}}""");
        Assert.Equal("acme-app", created.GetProperty("subjectKey").GetString());
        var id = created.GetProperty("id").GetString()!;

        // V1 grants need an expiration and do not roll over unless told to.
        var missing = await PostAsync(server, $"{Subject}/tokens/grants", """{"amount":100,"effectiveAt":"2024-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("expiration", out _));
        var grant = await PostAsync(server, $"{Subject}/tokens/grants", """{"amount":100,"effectiveAt":"2024-01-01T00:00:00Z","expiration":{"duration":"YEAR","count":1}}""");
        Assert.Equal(0m, grant.GetProperty("maxRolloverAmount").GetDecimal());

        await IngestAsync(server, Batch([Event("1", "acme-app", "2024-01-03T10:00:00Z", Tokens(40))]));
        Assert.Equal("access=True balance=60 usage=40 overage=0 total=100", Value(await GetAsync(server, $"{Subject}/tokens/value")));
        Assert.Equal("access=False balance=0 usage=0 overage=0 total=0", Value(await GetAsync(server, $"{Subject}/tokens/value?time=2024-02-01T00:00:00Z")));

        Assert.Equal(id, Assert.Single((await GetAsync(server, Subject)).EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(id, Assert.Single((await GetAsync(server, "/api/v1/entitlements")).EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal("acme-app", (await GetAsync(server, $"/api/v1/entitlements/{id}")).GetProperty("subjectKey").GetString());
        Assert.Single((await GetAsync(server, $"{Subject}/{id}/grants")).EnumerateArray());
        Assert.Equal(1, (await GetAsync(server, "/api/v1/grants?page=1&pageSize=10")).GetProperty("totalCount").GetInt32());

        // Voiding stops the grant from covering more usage: the 60 left goes, and once only.
        await SendAsync(server, HttpMethod.Delete, $"/api/v1/grants/{grant.GetProperty("id").GetString()}", null, HttpStatusCode.NoContent);
        Assert.Equal("access=False balance=0 usage=40 overage=0 total=40", Value(await GetAsync(server, $"{Subject}/tokens/value")));
        await SendAsync(server, HttpMethod.Delete, $"/api/v1/grants/{grant.GetProperty("id").GetString()}", null, HttpStatusCode.Conflict);
        await SendAsync(server, HttpMethod.Delete, "/api/v1/grants/01HZZZZZZZZZZZZZZZZZZZZZZZ", null, HttpStatusCode.NotFound);

        await GetAsync(server, "/api/v1/subjects/stranger/entitlements", HttpStatusCode.NotFound);
        await SendAsync(server, HttpMethod.Delete, $"{Subject}/{id}", null, HttpStatusCode.NoContent);
        Assert.Empty((await GetAsync(server, Subject)).EnumerateArray());
    }
}

public sealed class EntitlementsV1ApiTestsOnSqlite() : EntitlementsV1ApiTests(TestStore.Sqlite);

public sealed class EntitlementsV1ApiTestsOnPostgres() : EntitlementsV1ApiTests(TestStore.Postgres);
