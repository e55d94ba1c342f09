using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Tollgate.Store;

/// <summary>The embedded SQLite store: one WAL-mode file under the data directory.</summary>
public sealed partial class SqliteStore
{
    private readonly string _connectionString;
    private readonly ILogger<SqliteStore> _logger;
    private readonly TimeProvider _time;

    public SqliteStore(StoreOptions options, TimeProvider time, ILogger<SqliteStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        DatabasePath = Path.GetFullPath(options.DatabasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _logger = logger;
        _time = time;
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Opens a pooled connection for reads and short writes.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;");
        return connection;
    }

    /// <summary>Opens the store's single writer; see <see cref="SqliteWriter"/>.</summary>
    public SqliteWriter OpenWriter()
    {
        var connection = OpenConnection();
        Execute(connection, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0;");
        return new SqliteWriter(connection, _connectionString, _time, _logger);
    }

    /// <summary>Creates the file if needed, switches it to WAL and applies every pending migration.</summary>
    public void Migrate(IEnumerable<StoreMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        using var connection = OpenConnection();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                module     TEXT    NOT NULL,
                version    INTEGER NOT NULL,
                name       TEXT    NOT NULL,
                applied_at TEXT    NOT NULL,
                PRIMARY KEY (module, version)
            ) WITHOUT ROWID;
            """);

        foreach (var migration in migrations.OrderBy(m => m.Module, StringComparer.Ordinal).ThenBy(m => m.Version))
        {
            using var transaction = connection.BeginTransaction();
            using (var check = connection.CreateCommand())
            {
                check.Transaction = transaction;
                check.CommandText = "SELECT 1 FROM schema_migrations WHERE module = $module AND version = $version";
                check.Parameters.AddWithValue("$module", migration.Module);
                check.Parameters.AddWithValue("$version", migration.Version);
                if (check.ExecuteScalar() is not null)
                {
                    continue;
                }
            }

            using (var apply = connection.CreateCommand())
            {
                apply.Transaction = transaction;
                apply.CommandText = migration.Sql;
                apply.ExecuteNonQuery();
            }

            using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_migrations (module, version, name, applied_at) VALUES ($module, $version, $name, $at)";
                record.Parameters.AddWithValue("$module", migration.Module);
                record.Parameters.AddWithValue("$version", migration.Version);
                record.Parameters.AddWithValue("$name", migration.Name);
                record.Parameters.AddWithValue("$at", _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            LogMigrationApplied(_logger, migration.Module, migration.Version, migration.Name);
        }
    }

    /// <summary>Releases pooled handles so the file is closed cleanly on shutdown.</summary>
    public static void CloseAll() => SqliteConnection.ClearAllPools();

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied migration {Module} v{Version}: {Name}")]
    private static partial void LogMigrationApplied(ILogger logger, string module, int version, string name);
}
