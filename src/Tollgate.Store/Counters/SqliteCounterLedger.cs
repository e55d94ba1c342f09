using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Tollgate.Store.Counters;

/// <summary>The counters in the embedded file: one node, so the clock is the node's and the lock the file's.</summary>
internal sealed class SqliteCounterLedger(SqliteStore store, TimeProvider time) : CounterLedger
{
    protected override string LockSql => "SELECT used, @now FROM counters WHERE name = @name AND window_start = @start";

    protected override void BindLock(DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ((SqliteCommand)command).Parameters.AddWithValue("@now", time.GetUtcNow().UtcTicks);
    }

    protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<DbConnection>(store.OpenConnection());

    // BEGIN IMMEDIATE: the write lock is taken before the row is read, so two exchanges never interleave.
    protected override Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    protected override bool IsTransient(Exception exception) => false;
}
