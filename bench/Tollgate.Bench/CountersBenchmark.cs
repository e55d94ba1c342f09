using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Store;
using Tollgate.Store.Counters;
using Tollgate.Store.Postgres;

namespace Tollgate.Bench;

/// <summary>
/// Cost of a reservation and its settle on the shared counters, in process: one or two nodes (each its own
/// <see cref="SharedCounters"/>) on a fresh store, N workers per node reserving 1 under a limit never reached,
/// with the flush running every 250 ms as in the server. The figure the gateway's limit check pays per request.
/// </summary>
internal static class CountersBenchmark
{
    public static async Task<int> RunAsync(StoreSettings stores, int[] workers, TimeSpan duration, bool keepData, CancellationToken cancellationToken)
    {
        Console.WriteLine($"machine: {Machine.Describe()}");
        var table = new Table("store", "nodes", "workers per node", "reservations/s", "p50 µs", "p99 µs", "p99.9 µs");
        foreach (var name in stores.Stores)
        {
            foreach (var nodes in (int[])[1, 2])
            {
                foreach (var perNode in workers)
                {
                    var directory = Path.Combine(Path.GetTempPath(), "tollgate-bench", Guid.NewGuid().ToString("N"));
                    var postgres = name == StoreSettings.Postgres ? new PostgresServer(stores.PostgresUrl!) : null;
                    var schema = postgres is null ? null : PostgresServer.NewSchema();
                    PostgresStore? postgresStore = null;
                    try
                    {
                        var counters = new List<SharedCounters>();
                        var options = new CounterOptions();
                        if (postgres is not null)
                        {
                            postgresStore = new PostgresStore(new PostgresOptions(postgres.UrlFor(schema!)), TimeProvider.System, NullLogger<PostgresStore>.Instance);
                            postgresStore.Migrate(CountersModule.Migrations(StoreProvider.Postgres));
                            for (var n = 0; n < nodes; n++)
                            {
                                counters.Add(CountersModule.Create(postgresStore, options, TimeProvider.System, NullLogger<SharedCounters>.Instance));
                            }
                        }
                        else
                        {
                            var sqlite = new SqliteStore(new StoreOptions { DataDirectory = directory }, TimeProvider.System, NullLogger<SqliteStore>.Instance);
                            sqlite.Migrate(CountersModule.Migrations(StoreProvider.Sqlite));
                            for (var n = 0; n < nodes; n++)
                            {
                                counters.Add(CountersModule.Create(sqlite, options, TimeProvider.System, NullLogger<SharedCounters>.Instance));
                            }
                        }

                        var (rate, latencies) = await MeasureAsync(counters, perNode, duration, cancellationToken);
                        table.Add(name, nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), perNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            Stats.Count(rate), Micros(Stats.Percentile(latencies, 50)), Micros(Stats.Percentile(latencies, 99)), Micros(Stats.Percentile(latencies, 99.9)));
                        foreach (var node in counters)
                        {
                            await node.DisposeAsync();
                        }
                    }
                    finally
                    {
                        postgresStore?.Dispose();
                        SqliteStore.CloseAll();
                        await PostgresServer.CleanUpAsync(keepData, directory, postgres, schema);
                    }
                }
            }
        }

        Console.WriteLine();
        Console.Write(table);
        return 0;
    }

    private static async Task<(double Rate, double[] Latencies)> MeasureAsync(List<SharedCounters> nodes, int perNode, TimeSpan duration, CancellationToken cancellationToken)
    {
        var key = new CounterKey("bench:tokens", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var flusher = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    foreach (var node in nodes)
                    {
                        await node.FlushAsync(cancellationToken: stop.Token);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = nodes.SelectMany(node => Enumerable.Range(0, perNode).Select(_ => Task.Run(async () =>
        {
            var samples = new List<double>(1 << 20);
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= deadline)
                {
                    return samples;
                }

                var reservation = await node.ReserveAsync(key, decimal.MaxValue / 2, 1m, cancellationToken);
                node.Settle(reservation, 1m);
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

                // Let other workers on this core run, as request handlers would.
                if ((samples.Count & 63) == 0)
                {
                    await Task.Yield();
                }
            }
        }, cancellationToken))).ToList();

        var began = Stopwatch.GetTimestamp();
        var all = (await Task.WhenAll(workers)).SelectMany(s => s).ToArray();
        var elapsed = Stopwatch.GetElapsedTime(began);
        await stop.CancelAsync();
        await flusher;
        Array.Sort(all);
        return (all.Length / elapsed.TotalSeconds, all);
    }

    private static string Micros(double milliseconds) => (milliseconds * 1000).ToString(milliseconds * 1000 < 10 ? "0.00" : "0.0", System.Globalization.CultureInfo.InvariantCulture);
}
