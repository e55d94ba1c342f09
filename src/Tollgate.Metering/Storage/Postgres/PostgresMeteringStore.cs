using System.Data.Common;
using Npgsql;
using Tollgate.Metering.Storage.Relational;
using Tollgate.Store.Postgres;

namespace Tollgate.Metering.Storage.Postgres;

/// <summary>The metering store on a shared PostgreSQL database.</summary>
internal sealed class PostgresMeteringStore(PostgresStore store, PostgresEventPartitions partitions) : RelationalMeteringStore
{
    public override bool SharedByNodes => true;

    /// <summary>
    /// Deadlocks and serialization failures between nodes, connections the server ended (failover, restart,
    /// <c>pg_terminate_backend</c>) or lost, and what Npgsql itself calls transient.
    /// </summary>
    public override bool IsTransient(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure } => true,
        PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow } => true,
        PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal) => true,

        // A month partition another node detached meanwhile: the retry creates it again.
        PostgresException { SqlState: PostgresErrorCodes.CheckViolation } postgres when postgres.MessageText.Contains("no partition", StringComparison.Ordinal) => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    public override IMeteringWriteSession OpenWriteSession() => new PostgresMeteringWriteSession(store, partitions);

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await store.DataSource.OpenConnectionAsync(cancellationToken);

    protected override string Contains(string column, string parameter) => $"strpos({column}, {parameter}) > 0";
}
