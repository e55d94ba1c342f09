using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Tollgate.Store.Postgres;

namespace Tollgate.Store.Counters;

/// <summary>Wires the shared counters on the configured store.</summary>
public static class CountersModule
{
    /// <summary>The schema steps of the counters on <paramref name="provider"/>.</summary>
    public static IReadOnlyList<StoreMigration> Migrations(StoreProvider provider) =>
        provider == StoreProvider.Postgres ? CounterMigrations.Postgres : CounterMigrations.Sqlite;

    public static IServiceCollection AddSharedCounters(this IServiceCollection services, StoreProvider provider, CounterOptions? options = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options ?? new CounterOptions());
        services.AddSingleton<SharedCounters>(sp => Create(
            provider == StoreProvider.Postgres
                ? new PostgresCounterLedger(sp.GetRequiredService<PostgresStore>())
                : new SqliteCounterLedger(sp.GetRequiredService<SqliteStore>(), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<CounterOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SharedCounters>>()));
        services.AddHostedService<CounterFlusher>();
        return services;
    }

    /// <summary>Counters on an embedded store, for tools and tests that run without a host.</summary>
    public static SharedCounters Create(SqliteStore store, CounterOptions options, TimeProvider time, ILogger<SharedCounters> logger) =>
        Create(new SqliteCounterLedger(store, time), options, time, logger);

    /// <summary>Counters on a shared store, for tools and tests that run without a host.</summary>
    public static SharedCounters Create(PostgresStore store, CounterOptions options, TimeProvider time, ILogger<SharedCounters> logger) =>
        Create(new PostgresCounterLedger(store), options, time, logger);

    private static SharedCounters Create(CounterLedger ledger, CounterOptions options, TimeProvider time, ILogger<SharedCounters> logger) =>
        new(ledger, options, time, logger);
}
