using System.Data.Common;

namespace Tollgate.Store.Counters;

/// <summary>What one exchange found under the counter's row lock, after folding in this node's settled usage.</summary>
/// <param name="Used">Usage settled by every node, including what this exchange flushed and leases that expired.</param>
/// <param name="OthersHeld">Budget other live nodes hold.</param>
/// <param name="LeaseLost">This node's lease had expired and another node counted all of it as used.</param>
internal readonly record struct LedgerView(decimal Used, decimal OthersHeld, bool LeaseLost);

/// <summary>
/// The counters' rows in the store. One exchange is one transaction under the counter's row lock: it adds the
/// usage a node settled since its last exchange, counts the leases of nodes that died as spent, and sets the
/// node's lease to what <c>chooseHold</c> decides from the result. Both engines share the SQL; a provider adds
/// its connections, its transaction and the statement that locks the row and reads the store's clock.
/// </summary>
internal abstract class CounterLedger
{
    /// <summary>An open connection for one exchange or read.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that writes (SQLite takes the file's write lock at once).</summary>
    protected abstract Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Selects <c>used</c> and the clock (UTC ticks) for <c>@name</c>, <c>@start</c>, locking the row until commit.
    /// The lease expiry of every node is judged by this one clock.
    /// </summary>
    protected abstract string LockSql { get; }

    /// <summary>Binds whatever <see cref="LockSql"/> needs beyond the key.</summary>
    protected virtual void BindLock(DbCommand command)
    {
    }

    /// <summary>Whether a failed exchange is worth one more try on a fresh connection.</summary>
    protected abstract bool IsTransient(Exception exception);

    public async Task<(LedgerView View, decimal Hold)> ExchangeAsync(
        CounterKey key, string holder, decimal consumed, decimal heldBefore, Func<LedgerView, decimal> chooseHold,
        TimeSpan leaseLifetime, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ExchangeOnceAsync(key, holder, consumed, heldBefore, chooseHold, leaseLifetime, cancellationToken);
            }
            catch (Exception exception) when (attempt == 1 && IsTransient(exception))
            {
                // Nothing was committed; the pool hands out a fresh connection.
            }
        }
    }

    private async Task<(LedgerView View, decimal Hold)> ExchangeOnceAsync(
        CounterKey key, string holder, decimal consumed, decimal heldBefore, Func<LedgerView, decimal> chooseHold,
        TimeSpan leaseLifetime, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        var name = key.Name;
        var start = key.WindowStart.UtcTicks;

        await SqlCommands.ExecuteAsync(connection, transaction, """
            INSERT INTO counters (name, window_start, window_end, used) VALUES (@name, @start, @end, @zero)
            ON CONFLICT (name, window_start) DO NOTHING
            """, cancellationToken, ("name", name), ("start", start), ("end", key.WindowEnd.UtcTicks), ("zero", 0m));

        decimal used;
        long now;
        await using (var lockRow = SqlCommands.Create(connection, transaction, LockSql, ("name", name), ("start", start)))
        {
            BindLock(lockRow);
            await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            used = reader.GetDecimal(0);
            now = reader.GetInt64(1);
        }

        var ownLease = false;
        var othersHeld = 0m;
        await using (var leases = SqlCommands.Create(connection, transaction,
            "SELECT holder, amount, expires_at FROM counter_leases WHERE name = @name AND window_start = @start",
            ("name", name), ("start", start)))
        {
            await using var reader = await leases.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var amount = reader.GetDecimal(1);
                if (string.Equals(reader.GetString(0), holder, StringComparison.Ordinal))
                {
                    ownLease = true;
                }
                else if (reader.GetInt64(2) <= now)
                {
                    // A node that stopped renewing may have spent its whole lease before it died: count it all.
                    used += amount;
                }
                else
                {
                    othersHeld += amount;
                }
            }
        }

        // What this node settled came out of its lease. When another node already counted that lease as spent,
        // only what went beyond it is new.
        used += ownLease ? consumed : Math.Max(0m, consumed - heldBefore);
        var view = new LedgerView(used, othersHeld, LeaseLost: !ownLease && heldBefore > 0m);
        var hold = chooseHold(view);

        await SqlCommands.ExecuteAsync(connection, transaction, "UPDATE counters SET used = @used WHERE name = @name AND window_start = @start",
            cancellationToken, ("used", used), ("name", name), ("start", start));
        await SqlCommands.ExecuteAsync(connection, transaction,
            "DELETE FROM counter_leases WHERE name = @name AND window_start = @start AND (expires_at <= @now OR holder = @holder)",
            cancellationToken, ("name", name), ("start", start), ("now", now), ("holder", holder));
        if (hold > 0m)
        {
            await SqlCommands.ExecuteAsync(connection, transaction,
                "INSERT INTO counter_leases (name, window_start, holder, amount, expires_at) VALUES (@name, @start, @holder, @amount, @expires)",
                cancellationToken, ("name", name), ("start", start), ("holder", holder), ("amount", hold), ("expires", now + leaseLifetime.Ticks));
        }

        await transaction.CommitAsync(cancellationToken);
        return (view, hold);
    }

    /// <summary>Settled usage and held budget of one counter, zero when it was never used.</summary>
    public async Task<CounterReading> ReadAsync(CounterKey key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, """
            SELECT (SELECT used FROM counters WHERE name = @name AND window_start = @start),
                   (SELECT SUM(amount) FROM counter_leases WHERE name = @name AND window_start = @start)
            """, ("name", key.Name), ("start", key.WindowStart.UtcTicks));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new CounterReading(
            reader.IsDBNull(0) ? 0m : reader.GetDecimal(0),
            reader.IsDBNull(1) ? 0m : reader.GetDecimal(1));
    }

    /// <summary>Deletes counters (and their leases) whose window ended before <paramref name="endedBefore"/>.</summary>
    public async Task<int> DeleteEndedAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAsync(connection, cancellationToken);
        var cutoff = endedBefore.UtcTicks;
        await SqlCommands.ExecuteAsync(connection, transaction, """
            DELETE FROM counter_leases WHERE EXISTS (
                SELECT 1 FROM counters c
                WHERE c.name = counter_leases.name AND c.window_start = counter_leases.window_start AND c.window_end < @cutoff)
            """, cancellationToken, ("cutoff", cutoff));
        var deleted = await SqlCommands.ExecuteAsync(connection, transaction, "DELETE FROM counters WHERE window_end < @cutoff", cancellationToken, ("cutoff", cutoff));
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }
}
