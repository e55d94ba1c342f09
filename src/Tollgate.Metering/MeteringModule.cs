using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tollgate.Metering.Api;
using Tollgate.Metering.Ingest;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;
using Tollgate.Metering.Storage.Postgres;
using Tollgate.Metering.Storage.Sqlite;
using Tollgate.Store;

namespace Tollgate.Metering;

/// <summary>Wires the metering module: ingest, meters, queries and subjects.</summary>
public static class MeteringModule
{
    /// <summary>The schema steps of this module on the embedded store.</summary>
    public static IReadOnlyList<StoreMigration> SqliteMigrations => SqliteMeteringMigrations.All;

    /// <summary>The schema steps of this module on the shared PostgreSQL store.</summary>
    public static IReadOnlyList<StoreMigration> PostgresMigrations => PostgresMeteringMigrations.All;

    public static IServiceCollection AddMetering(this IServiceCollection services, IngestOptions? options = null, StoreProvider provider = StoreProvider.Sqlite)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options ?? new IngestOptions());
        if (provider == StoreProvider.Postgres)
        {
            services.AddSingleton<IMeteringStore, PostgresMeteringStore>();
            services.AddSingleton<PostgresEventPartitions>();
            services.AddHostedService(sp => sp.GetRequiredService<PostgresEventPartitions>());
        }
        else
        {
            services.AddSingleton<IMeteringStore, SqliteMeteringStore>();
        }

        services.AddSingleton<MeterCatalog>();
        services.AddSingleton<EventIngestor>();
        services.AddSingleton<MeterService>();
        services.AddSingleton<MeterQueryService>();
        services.AddSingleton<MeteringWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<MeteringWriter>());
        services.AddHostedService<CatalogRefresher>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, MeteringJsonContext.Default);
            json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapMeteringApi(this IEndpointRouteBuilder routes) =>
        routes.MapEventsApi().MapMetersApi().MapSubjectsApi();
}
