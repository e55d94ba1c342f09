using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Tollgate.Store.Postgres;

/// <summary>
/// The shared PostgreSQL store that several Tollgate nodes use at once: one pooled data source, a schema of its
/// own (default <c>public</c>), and migrations that one node at a time applies under an advisory lock.
/// </summary>
public sealed partial class PostgresStore : IDisposable
{
    private readonly ILogger<PostgresStore> _logger;
    private readonly TimeProvider _time;

    public PostgresStore(PostgresOptions options, TimeProvider time, ILogger<PostgresStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString(options.DatabaseUrl));
        Schema = string.IsNullOrEmpty(builder.SearchPath) ? "public" : builder.SearchPath;
        builder.SearchPath = Schema;
        builder.ApplicationName ??= "tollgate";
        DataSource = NpgsqlDataSource.Create(builder);
        _logger = logger;
        _time = time;
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The schema holding Tollgate's tables (the connection's search path).</summary>
    public string Schema { get; }

    /// <summary>
    /// A stable advisory-lock key for <paramref name="purpose"/> in this schema, so that stores in different
    /// schemas of one database (tests, tenants) never wait on each other.
    /// </summary>
    public long LockKey(string purpose)
    {
        // FNV-1a, 64 bits: stable across processes and versions, unlike string.GetHashCode.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(Schema + "\n" + purpose))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }

    /// <summary>Creates the schema if needed and applies every pending migration, one node at a time.</summary>
    public void Migrate(IEnumerable<StoreMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        using var connection = DataSource.OpenConnection();
        Execute(connection, null, "SELECT pg_advisory_lock(@key)", ("key", LockKey("migrations")));
        try
        {
            Execute(connection, null, $"CREATE SCHEMA IF NOT EXISTS {QuoteIdentifier(Schema)}");
            Execute(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    module     TEXT    NOT NULL,
                    version    INTEGER NOT NULL,
                    name       TEXT    NOT NULL,
                    applied_at TEXT    NOT NULL,
                    PRIMARY KEY (module, version)
                )
                """);
            foreach (var migration in migrations.OrderBy(m => m.Module, StringComparer.Ordinal).ThenBy(m => m.Version))
            {
                using var transaction = connection.BeginTransaction();
                using (var check = new NpgsqlCommand("SELECT 1 FROM schema_migrations WHERE module = @module AND version = @version", connection, transaction))
                {
                    check.Parameters.AddWithValue("module", migration.Module);
                    check.Parameters.AddWithValue("version", migration.Version);
                    if (check.ExecuteScalar() is not null)
                    {
                        continue;
                    }
                }

                Execute(connection, transaction, migration.Sql);
                Execute(connection, transaction, "INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (@module, @version, @name, @at)",
                    ("module", migration.Module), ("version", migration.Version), ("name", migration.Name),
                    ("at", _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));
                transaction.Commit();
                LogMigrationApplied(_logger, migration.Module, migration.Version, migration.Name);
            }
        }
        finally
        {
            Execute(connection, null, "SELECT pg_advisory_unlock(@key)", ("key", LockKey("migrations")));
        }
    }

    public void Dispose() => DataSource.Dispose();

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Applied PostgreSQL migration {Module} v{Version}: {Name}")]
    private static partial void LogMigrationApplied(ILogger logger, string module, int version, string name);
}

/// <summary>Where the shared store is: <c>postgres://user:password@host:port/database?schema=name</c> or an Npgsql connection string.</summary>
public sealed record PostgresOptions(string DatabaseUrl);
