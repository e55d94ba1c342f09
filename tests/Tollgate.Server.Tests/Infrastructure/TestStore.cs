using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tollgate.Metering.Ingest;
using Tollgate.Store;

namespace Tollgate.Server.Tests.Infrastructure;

/// <summary>
/// The store an integration test class runs on. Each class is declared once and run on both engines through a
/// subclass per provider. On PostgreSQL every server gets a schema of its own in the test cluster that
/// <c>./run-tests</c> starts (<c>TOLLGATE_TEST_POSTGRES</c>), so tests stay isolated and run in parallel.
/// </summary>
public sealed class TestStore
{
    private TestStore(StoreProvider provider) => Provider = provider;

    public static TestStore Sqlite { get; } = new(StoreProvider.Sqlite);

    public static TestStore Postgres { get; } = new(StoreProvider.Postgres);

    public StoreProvider Provider { get; }

    /// <summary>The test cluster's URL; a clear failure when there is none.</summary>
    public static string PostgresUrl => Environment.GetEnvironmentVariable("TOLLGATE_TEST_POSTGRES") is { Length: > 0 } url
        ? url
        : throw new InvalidOperationException("PostgreSQL tests need TOLLGATE_TEST_POSTGRES (./run-tests starts a throwaway cluster and sets it)");

    /// <summary>A database URL for a new, empty store; null for SQLite (which lives in the data directory).</summary>
    public string? NewDatabaseUrl() => Provider == StoreProvider.Postgres
        ? $"{PostgresUrl}{(PostgresUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?')}schema=t_{Guid.NewGuid():N}"
        : null;

    public Task<TollgateServer> StartAsync(string? dataDirectory = null, IngestOptions? ingest = null, string? adminToken = null, TimeProvider? time = null, string? configFile = null) =>
        TollgateServer.StartAsync(dataDirectory, ingest, adminToken, time, NewDatabaseUrl(), configFile);

    /// <summary>Opens a connection to the store a server (or process) uses, for checks that look at rows directly.</summary>
    public static DbConnection Open(string dataDirectory, string? databaseUrl)
    {
        if (databaseUrl is null)
        {
            var sqlite = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "tollgate.db")};Mode=ReadOnly;Pooling=False");
            sqlite.Open();
            return sqlite;
        }

        var postgres = new NpgsqlConnection(Tollgate.Store.Postgres.PostgresUrl.ToConnectionString(databaseUrl));
        postgres.Open();
        return postgres;
    }
}
