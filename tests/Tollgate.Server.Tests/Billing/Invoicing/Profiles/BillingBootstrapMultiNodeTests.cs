using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.Profiles.BillingApi;

namespace Tollgate.Server.Tests.Billing.Invoicing.Profiles;

/// <summary>Nodes starting together on one PostgreSQL database: the first-start defaults exist once, not once per node.</summary>
public sealed class BillingBootstrapMultiNodeTests
{
    [Fact]
    public async Task Two_nodes_starting_at_once_create_one_default_profile_and_one_sandbox_app()
    {
        var database = TestStore.Postgres.NewDatabaseUrl();
        var starting = new[] { Task.Run(() => TollgateServer.StartAsync(databaseUrl: database)), Task.Run(() => TollgateServer.StartAsync(databaseUrl: database)) };
        await Task.WhenAll(starting);
        await using var a = await starting[0];
        await using var b = await starting[1];

        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM billing_documents WHERE kind = 'billing_profile'"));
        Assert.Equal(1, await a.CountAsync("SELECT count(*) FROM billing_documents WHERE kind = 'app'"));

        // Each node answers with the same pair: the one that lost the race adopted the winner's.
        Assert.Equal(await DefaultsAsync(a), await DefaultsAsync(b));
        var apps = await GetJsonAsync(b, "/api/v1/apps");
        Assert.Equal(1, apps.GetProperty("totalCount").GetInt32());
    }
}
