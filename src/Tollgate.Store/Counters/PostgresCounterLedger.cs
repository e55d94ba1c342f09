using System.Data.Common;
using Npgsql;
using Tollgate.Store.Postgres;

namespace Tollgate.Store.Counters;

/// <summary>
/// The counters every node shares. The counter's row lock (<c>FOR UPDATE</c>) orders the exchanges of all nodes,
/// and lease expiry is judged by the database's clock, so nodes whose clocks disagree still agree on it.
/// </summary>
internal sealed class PostgresCounterLedger(PostgresStore store) : CounterLedger
{
    // UTC ticks: microseconds since 1970 times ten, plus the ticks from year 1 to 1970.
    protected override string LockSql => """
        SELECT used, (extract(epoch FROM date_trunc('microseconds', clock_timestamp())) * 1000000)::bigint * 10 + 621355968000000000
        FROM counters WHERE name = @name AND window_start = @start FOR UPDATE
        """;

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await store.DataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken);

    protected override bool IsTransient(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure } => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };
}
