using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Billing;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Entitlements;
using Tollgate.Billing.Storage;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.EntitlementsApiTests;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Billing;

/// <summary>The entitlement calls other slices make: creating and ending inside their own change, and the gateway's check.</summary>
public abstract class EntitlementServiceTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset T(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_subscription_creates_entitlements_atomically_and_ends_them()
    {
        var (server, _) = await SeedAsync(store);
        await using var _server = server;
        var repository = server.App.Services.GetRequiredService<BillingRepository>();
        var balances = server.App.Services.GetRequiredService<EntitlementBalances>();
        var annotations = new Dictionary<string, JsonElement> { ["subscription.id"] = JsonSerializer.SerializeToElement("sub_1") };

        // A failure later in the same change stores none of it.
        await Assert.ThrowsAsync<BillingConflictException>(() => repository.ChangeAsync(change =>
        {
            var customer = CustomerLookup.Find(change.State, "acme")!;
            EntitlementService.Create(change, customer, new EntitlementCreateInputs { Type = "boolean", FeatureKey = "sso" }, new EntitlementPlacement { Annotations = annotations });
            return EntitlementService.Create(change, customer, new EntitlementCreateInputs { Type = "boolean", FeatureKey = "sso" });
        }, Ct));
        Assert.Empty(repository.Current.All(Entitlement.Kind));

        var created = await repository.ChangeAsync(change =>
        {
            var customer = CustomerLookup.Find(change.State, "acme")!;
            var placement = new EntitlementPlacement { ActiveFrom = T("2024-01-15T12:00:00Z"), Annotations = annotations };
            EntitlementService.Create(change, customer, new EntitlementCreateInputs { Type = "boolean", FeatureKey = "sso" }, placement);
            return EntitlementService.Create(change, customer, new EntitlementCreateInputs
            {
                Type = "metered",
                FeatureKey = "tokens",
                UsagePeriod = new RecurringPeriodInput { Interval = "MONTH", Anchor = T("2024-01-01T00:00:00Z") },
                Issue = new IssueAfterResetInput { Amount = 50m },
            }, placement);
        }, Ct);
        var view = await GetAsync(server, $"/api/v2/entitlements/{created.Id}");
        Assert.Equal("sub_1", view.GetProperty("annotations").GetProperty("subscription.id").GetString());

        await IngestAsync(server, Batch([Event("1", "acme-app", "2024-01-10T10:00:00Z", Tokens(20))]));
        var now = T("2024-01-15T12:00:00Z");
        Assert.Equal(new EntitlementAccess(true, created.Id, "metered", 30m, IsHardLimit: true), await balances.CheckAsync("acme", "tokens", now, Ct));
        Assert.Equal(new EntitlementAccess(true, repository.Current.All(Entitlement.Kind).Single(e => e.FeatureKey == "sso").Id, "boolean", null, IsHardLimit: false),
            await balances.CheckAsync("acme", "sso", now, Ct));
        Assert.Equal(new EntitlementAccess(false, null, null, null, false), await balances.CheckAsync("acme", "support", now, Ct));

        // Cancelling ends it at the given time: access until then, none after; the API shows activeTo.
        await repository.ChangeAsync(change => EntitlementService.End(change, change.State.Find(Entitlement.Kind, created.Id)!, T("2024-01-20T00:00:00Z")), Ct);
        Assert.True((await balances.CheckAsync("acme", "tokens", T("2024-01-19T23:59:59Z"), Ct)).HasAccess);
        Assert.False((await balances.CheckAsync("acme", "tokens", T("2024-01-20T00:00:00Z"), Ct)).HasAccess);
        Assert.Equal(T("2024-01-20T00:00:00Z"), (await GetAsync(server, $"/api/v2/entitlements/{created.Id}")).GetProperty("activeTo").GetDateTimeOffset());

        // Ended, the feature can be entitled again from then on, not before.
        await PostAsync(server, "/api/v2/customers/acme/entitlements", """{"type":"boolean","featureKey":"tokens"}""", HttpStatusCode.Conflict);
        await repository.ChangeAsync(change => EntitlementService.Create(change, CustomerLookup.Find(change.State, "acme")!,
            new EntitlementCreateInputs { Type = "boolean", FeatureKey = "tokens" }, new EntitlementPlacement { ActiveFrom = T("2024-01-20T00:00:00Z") }), Ct);
        Assert.Equal("boolean", (await balances.CheckAsync("acme", "tokens", T("2024-01-21T00:00:00Z"), Ct)).Type);
    }
}

public sealed class EntitlementServiceTestsOnSqlite() : EntitlementServiceTests(TestStore.Sqlite);

public sealed class EntitlementServiceTestsOnPostgres() : EntitlementServiceTests(TestStore.Postgres);
