using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tollgate.Store;
using Tollgate.Store.Postgres;

namespace Tollgate.Billing.Storage;

/// <summary>A stored document row; a null body is a removed document.</summary>
internal readonly record struct DocumentRow(string Kind, string Id, long Version, string? Body);

/// <summary>
/// Billing documents in the store. A change runs in one transaction under the state's lock: it reads the rows
/// written since the caller's version (so it decides on the latest state), then writes its rows stamped with the
/// next version. Both engines share the SQL; a provider adds its connections and its lock.
/// </summary>
internal abstract class BillingStore
{
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A write transaction (SQLite takes the file's write lock at once).</summary>
    protected abstract Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Reads the version, holding the state's lock until commit.</summary>
    protected abstract string LockVersionSql { get; }

    /// <summary>The stored version and every row written after <paramref name="since"/>.</summary>
    public async Task<(long Version, List<DocumentRow> Rows)> ReadSinceAsync(long since, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var version = await ReadVersionAsync(connection, transaction, "SELECT version FROM billing_state WHERE singleton = 1", cancellationToken);
        var rows = version == since ? [] : await ReadRowsAsync(connection, transaction, since, cancellationToken);
        return (version, rows);
    }

    /// <summary>
    /// Under the state's lock: hands <paramref name="decide"/> the rows written since <paramref name="since"/> and the
    /// version they bring, and stores the rows it returns under the next version. Returns that version, or the
    /// current one when there was nothing to write. An exception from <paramref name="decide"/> stores nothing.
    /// </summary>
    public async Task<long> ChangeAsync(
        long since, Func<long, List<DocumentRow>, IReadOnlyList<DocumentRow>> decide, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        var version = await ReadVersionAsync(connection, transaction, LockVersionSql, cancellationToken);
        var newer = version == since ? [] : await ReadRowsAsync(connection, transaction, since, cancellationToken);
        var writes = decide(version, newer);
        if (writes.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return version;
        }

        var next = version + 1;
        foreach (var row in writes)
        {
            await using var upsert = SqlCommands.Create(connection, transaction, """
                INSERT INTO billing_documents (kind, id, version, body) VALUES (@kind, @id, @version, @body)
                ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, body = excluded.body
                """, ("kind", row.Kind), ("id", row.Id), ("version", next), ("body", row.Body));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var bump = SqlCommands.Create(connection, transaction, "UPDATE billing_state SET version = @version WHERE singleton = 1", ("version", next)))
        {
            await bump.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return next;
    }

    private static async Task<long> ReadVersionAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task<List<DocumentRow>> ReadRowsAsync(DbConnection connection, DbTransaction transaction, long since, CancellationToken cancellationToken)
    {
        var rows = new List<DocumentRow>();
        await using var command = SqlCommands.Create(connection, transaction,
            "SELECT kind, id, version, body FROM billing_documents WHERE version > @since ORDER BY version", ("since", since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new DocumentRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return rows;
    }
}

/// <summary>Billing documents in the embedded file.</summary>
internal sealed class SqliteBillingStore(SqliteStore store) : BillingStore
{
    protected override string LockVersionSql => "SELECT version FROM billing_state WHERE singleton = 1";

    protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<DbConnection>(store.OpenConnection());

    protected override Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}

/// <summary>Billing documents on the shared database; the version row's lock orders changes from every node.</summary>
internal sealed class PostgresBillingStore(PostgresStore store) : BillingStore
{
    protected override string LockVersionSql => "SELECT version FROM billing_state WHERE singleton = 1 FOR UPDATE";

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await store.DataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(cancellationToken);
}
