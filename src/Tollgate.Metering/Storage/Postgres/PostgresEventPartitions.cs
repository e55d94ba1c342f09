using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Metering.Ingest;
using Tollgate.Store.Postgres;

namespace Tollgate.Metering.Storage.Postgres;

/// <summary>
/// The monthly partitions of <c>events</c> (by event time, UTC): created before the first event of a month is written
/// (and a few months ahead), and, with <see cref="IngestOptions.EventRetentionMonths"/>, detached once older than the
/// retention with <c>DETACH PARTITION … CONCURRENTLY</c>, which does not block ingest. A detached month is renamed
/// <c>events_YYYYMM_archived_…</c> and left for the operator to dump or drop. Its events are gone from listings and
/// rebuilds, but the meters' rollups keep answering for it, and <c>event_keys</c> still deduplicates them.
/// </summary>
internal sealed partial class PostgresEventPartitions(PostgresStore store, IngestOptions options, TimeProvider time, ILogger<PostgresEventPartitions> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<long, bool> _known = new();

    public static string Name(DateTime month) => "events_" + month.ToString("yyyyMM", CultureInfo.InvariantCulture);

    public static DateTime MonthOf(long ticks)
    {
        var time = new DateTime(ticks, DateTimeKind.Utc);
        return new DateTime(time.Year, time.Month, 1, 0, 0, 0, DateTimeKind.Utc);
    }

    /// <summary>Creates the partitions these event times need; call outside any transaction.</summary>
    public void Ensure(NpgsqlConnection connection, IEnumerable<long> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        foreach (var month in times.Select(MonthOf).Distinct())
        {
            if (!_known.ContainsKey(month.Ticks))
            {
                Create(connection, month);
            }
        }
    }

    /// <summary>Forgets which partitions exist, so the next <see cref="Ensure"/> checks again.</summary>
    public void Forget() => _known.Clear();

    /// <summary>One maintenance pass, on one node at a time: months ahead created, months past the retention detached, rollups analyzed.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        var key = store.LockKey("event-partitions");
        if (!await ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(@key)", key, cancellationToken))
        {
            return;
        }

        try
        {
            var current = MonthOf(time.GetUtcNow().UtcTicks);
            for (var ahead = 0; ahead <= 2; ahead++)
            {
                Create(connection, current.AddMonths(ahead));
            }

            if (options.EventRetentionMonths is { } months)
            {
                await DetachOlderThanAsync(connection, current.AddMonths(-months), cancellationToken);
            }

            // Statistics for the query planner, whatever autovacuum has got round to.
            await using var analyze = new NpgsqlCommand("ANALYZE meter_rollups", connection);
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await ScalarAsync<bool>(connection, "SELECT pg_advisory_unlock(@key)", key, CancellationToken.None);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogMaintenanceFailed(logger, exception);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Create(NpgsqlConnection connection, DateTime month)
    {
        using var command = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {Name(month)} PARTITION OF events FOR VALUES FROM ({month.Ticks}) TO ({month.AddMonths(1).Ticks})",
            connection);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation)
        {
            // Another node created it at the same moment.
        }

        _known[month.Ticks] = true;
    }

    private async Task DetachOlderThanAsync(NpgsqlConnection connection, DateTime cutoff, CancellationToken cancellationToken)
    {
        var partitions = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1",
            connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                partitions.Add(reader.GetString(0));
            }
        }

        foreach (var name in partitions)
        {
            if (!DateTime.TryParseExact(name["events_".Length..], "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month)
                || month.AddMonths(1) > cutoff)
            {
                continue;
            }

            var archived = $"{name}_archived_{time.GetUtcNow():yyyyMMddHHmmss}";
            await using (var detach = new NpgsqlCommand($"ALTER TABLE events DETACH PARTITION {name} CONCURRENTLY", connection))
            {
                await detach.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var rename = new NpgsqlCommand($"ALTER TABLE {name} RENAME TO {archived}", connection))
            {
                await rename.ExecuteNonQueryAsync(cancellationToken);
            }

            _known.TryRemove(month.Ticks, out _);
            LogDetached(logger, name, archived);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", key);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Detached event partition {Partition}, past the retention, as table {Archived}; dump or drop it at will")]
    private static partial void LogDetached(ILogger logger, string partition, string archived);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Event partition maintenance failed; it runs again within the hour")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
