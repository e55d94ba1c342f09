using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Access;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Proxy;
using Tollgate.Gateway.Routing;
using Tollgate.Gateway.Storage;
using Tollgate.Gateway.Usage;
using Tollgate.Store;
using Tollgate.Store.Postgres;

namespace Tollgate.Gateway;

/// <summary>Wires the gateway: its entities and admin API, the proxy, and the usage outbox to metering.</summary>
public static class GatewayModule
{
    /// <summary>The schema steps of the gateway on <paramref name="provider"/>.</summary>
    public static IReadOnlyList<StoreMigration> Migrations(StoreProvider provider) =>
        provider == StoreProvider.Postgres ? GatewayMigrations.Postgres : GatewayMigrations.Sqlite;

    /// <summary>Registers the gateway; call after <c>AddMetering</c> so the outbox stops (and drains) before the ingest writer.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, StoreProvider provider, string dataDirectory)
    {
        services.AddGatewayConfig(provider);
        services.AddHostedService<GatewayConfigRefresher>();
        services.AddSingleton<UpstreamClient>();
        services.AddSingleton(new UsageOutboxOptions(Path.Combine(dataDirectory, "gateway-outbox")));
        services.AddSingleton<UsageOutbox>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageOutbox>());
        services.AddSingleton<AiProxyHandler>();
        services.AddSingleton(sp => new GatewayProxy(
            sp.GetRequiredService<GatewayConfigService>(),
            sp.GetRequiredService<UpstreamClient>(),
            sp.GetRequiredService<AiProxyHandler>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GatewayProxy>>(),
            sp.GetService<IGatewayAccess>()));
        return services;
    }

    /// <summary>Only the gateway's config in the store (for the <c>tollgate config</c> commands, which serve nothing).</summary>
    public static IServiceCollection AddGatewayConfig(this IServiceCollection services, StoreProvider provider)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayStore>(sp => provider == StoreProvider.Postgres
            ? new PostgresGatewayStore(sp.GetRequiredService<PostgresStore>())
            : new SqliteGatewayStore(sp.GetRequiredService<SqliteStore>()));
        services.AddSingleton(sp => new GatewayConfigService(sp.GetRequiredService<GatewayStore>()));
        services.AddSingleton<GatewayEntities>();
        return services;
    }

    /// <summary>The Kong Admin API subset and Kong's <c>/config</c>.</summary>
    public static IEndpointRouteBuilder MapGatewayAdminApi(this IEndpointRouteBuilder routes) => routes.MapKongAdminApi().MapDeclarativeApi();

    /// <summary>Sends every request that <paramref name="isProxyTraffic"/> picks to the proxy, ahead of routing.</summary>
    public static IApplicationBuilder UseGatewayProxy(this IApplicationBuilder app, Func<HttpContext, bool> isProxyTraffic)
    {
        ArgumentNullException.ThrowIfNull(app);
        var proxy = app.ApplicationServices.GetRequiredService<GatewayProxy>();
        return app.MapWhen(isProxyTraffic, branch => branch.Run(proxy.InvokeAsync));
    }
}
