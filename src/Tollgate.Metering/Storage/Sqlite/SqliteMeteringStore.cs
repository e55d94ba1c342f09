using System.Data.Common;
using Tollgate.Metering.Storage.Relational;
using Tollgate.Store;

namespace Tollgate.Metering.Storage.Sqlite;

/// <summary>The metering store on the embedded SQLite file.</summary>
internal sealed class SqliteMeteringStore(SqliteStore store) : RelationalMeteringStore
{
    public override bool SharedByNodes => false;

    /// <summary>The writer is alone on the file and waits out other connections' locks, so a failure is final.</summary>
    public override bool IsTransient(Exception exception) => false;

    public override IMeteringWriteSession OpenWriteSession() => new SqliteMeteringWriteSession(store.OpenWriter());

    protected override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<DbConnection>(store.OpenConnection());

    protected override string Contains(string column, string parameter) => $"instr({column}, {parameter}) > 0";
}
