using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tollgate.Billing.Access;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.AddOns;
using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Entitlements;
using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;
using Tollgate.Gateway.Access;
using Tollgate.Store;
using Tollgate.Store.Postgres;

namespace Tollgate.Billing;

/// <summary>
/// Wires billing: the product catalog (features, plans, add-ons), customers, subscriptions and entitlements,
/// as OpenMeter's v1 API has them.
/// </summary>
public static class BillingModule
{
    /// <summary>The schema steps of billing on <paramref name="provider"/>.</summary>
    public static IReadOnlyList<StoreMigration> Migrations(StoreProvider provider) =>
        provider == StoreProvider.Postgres ? BillingMigrations.Postgres : BillingMigrations.Sqlite;

    /// <summary>Registers billing; needs metering (features are meters, filtered) and the shared counters (gateway limits).</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services, StoreProvider provider)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BillingStore>(sp => provider == StoreProvider.Postgres
            ? new PostgresBillingStore(sp.GetRequiredService<PostgresStore>())
            : new SqliteBillingStore(sp.GetRequiredService<SqliteStore>()));
        services.AddSingleton(sp => new BillingRepository(
            sp.GetRequiredService<BillingStore>(), sp.GetServices<IDocumentKind>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<BillingRefresher>();
        // OpenMeter writes times in UTC with a Z; the contexts' own converters do not reach the HTTP options.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new UtcTimeConverter());
            json.SerializerOptions.Converters.Add(new NullableUtcTimeConverter());
        });

        services.AddSingleton<IDocumentKind>(Feature.Kind);
        services.AddSingleton<FeatureService>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(FeatureJson.Default));

        services.AddSingleton<IDocumentKind>(Plan.Kind);
        services.AddSingleton<PlanService>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(PlanJson.Default));

        services.AddSingleton<IDocumentKind>(Addon.Kind);
        services.AddSingleton<IDocumentKind>(PlanAddon.Kind);
        services.AddSingleton<AddonService>();
        services.AddSingleton<PlanAddonService>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(AddonJson.Default));

        services.AddSingleton<IDocumentKind>(Customer.Kind);
        services.AddSingleton<CustomerService>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(CustomerJson.Default));

        services.AddSingleton<IDocumentKind>(Subscription.Kind);
        services.TryAddSingleton<ISubscriptionItemEffects, SubscriptionItemEffects>();
        services.AddSingleton<SubscriptionService>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(SubscriptionJson.Default));

        services.AddSingleton<IDocumentKind>(Entitlement.Kind);
        services.AddSingleton<IDocumentKind>(Grant.Kind);
        services.AddSingleton<EntitlementService>();
        services.AddSingleton<EntitlementBalances>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(EntitlementJson.Default));

        // Invoicing: installed apps (the seam invoicing and payment apps plug into) and billing profiles. A new app
        // type is one more IInvoicingApp registration. The bootstrap is registered after BillingRefresher, so it runs
        // on the loaded state, before the listeners open.
        services.AddSingleton<IDocumentKind>(InstalledApp.Kind);
        services.AddSingleton<IDocumentKind>(BillingProfile.Kind);
        services.AddSingleton<IDocumentKind>(CustomerOverride.Kind);
        services.AddSingleton<IInvoicingApp, SandboxApp>();
        services.AddSingleton<IInvoicingApp, CustomInvoicingApp>();
        services.AddSingleton<InvoicingApps>();
        services.AddSingleton<AppService>();
        services.AddSingleton<BillingProfileService>();
        services.TryAddSingleton(new BillingProfileDefaults());
        services.AddHostedService<DefaultProfileBootstrap>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(AppJson.Default));
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(ProfileJson.Default));

        // Invoicing: invoices from subscriptions and pending lines, their lifecycle, and the biller that runs it on time.
        services.AddSingleton<IDocumentKind>(Invoice.Kind);
        services.AddSingleton<IDocumentKind>(InvoiceNumberSequence.Kind);
        services.AddSingleton<UsageQuantities>();
        services.AddSingleton<InvoiceLineBuilder>();
        services.AddSingleton<InvoiceService>();
        services.AddSingleton<InvoiceCollector>();
        services.AddSingleton<InvoiceLifecycle>();
        services.AddSingleton<BillRun>();
        services.AddHostedService<Biller>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(InvoiceJson.Default));

        // The gateway's entitlement plugin asks billing; metered limits are shared counters (AddSharedCounters).
        services.AddSingleton<GatewayAccess>();
        services.AddSingleton<IGatewayAccess>(sp => sp.GetRequiredService<GatewayAccess>());
        services.AddHostedService(sp => sp.GetRequiredService<GatewayAccess>());
        return services;
    }

    /// <summary>OpenMeter's catalog, customer, subscription and entitlement endpoints.</summary>
    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder routes)
    {
        routes.MapFeaturesApi();
        routes.MapCustomersApi();
        routes.MapPlansApi();
        routes.MapAddonsApi();
        routes.MapPlanAddonsApi();
        routes.MapSubscriptionsApi();
        routes.MapEntitlementsApi();

        // Invoicing: apps, billing profiles, invoices.
        routes.MapAppsApi();
        routes.MapBillingProfilesApi();
        routes.MapCustomerOverridesApi();
        routes.MapInvoicesApi();
        return routes;
    }
}
