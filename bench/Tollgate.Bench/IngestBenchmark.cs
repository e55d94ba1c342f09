namespace Tollgate.Bench;

/// <summary>Settings of the <c>ingest</c> command.</summary>
internal sealed record IngestSettings
{
    public required int[] Connections { get; init; }

    public required int BatchSize { get; init; }

    public required TimeSpan Warmup { get; init; }

    public required TimeSpan Duration { get; init; }

    public required int Repeat { get; init; }

    public bool RandomIds { get; init; }

    public required ServerSettings Server { get; init; }

    /// <summary>The stores to run against, each with every connection count.</summary>
    public required StoreSettings Stores { get; init; }
}

/// <summary>How the server under test is found and started.</summary>
internal sealed record ServerSettings
{
    public string? Dll { get; init; }

    public bool Build { get; init; } = true;

    public bool KeepData { get; init; }

    /// <summary>Extra environment for the server (e.g. <c>DOTNET_PerfMapEnabled=1</c> so <c>perf</c> can name JIT frames).</summary>
    public Dictionary<string, string> Environment { get; init; } = [];
}

/// <summary>
/// Durable ingest throughput over HTTP: for each store and connection count, a fresh server and store (a new SQLite
/// file, or a new PostgreSQL schema), one SUM meter with two group-by keys, a warm-up, then a fixed window of
/// batches of live events; only 204s count.
/// </summary>
internal static class IngestBenchmark
{
    /// <summary>Events per second each store must sustain, durable, in batches of 100.</summary>
    private static readonly Dictionary<string, (double Target, string Terms)> Targets = new(StringComparer.Ordinal)
    {
        [StoreSettings.Sqlite] = (100_000, "durable over HTTP in batches of 100 with dedup on"),
        [StoreSettings.Postgres] = (50_000, "durable (fsync on) over HTTP in batches of 100 with dedup on"),
    };

    public static async Task<int> RunAsync(IngestSettings settings, CancellationToken cancellationToken)
    {
        var postgres = settings.Stores.Stores.Contains(StoreSettings.Postgres) ? new PostgresServer(settings.Stores.PostgresUrl!) : null;
        Console.WriteLine($"# Tollgate ingest benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        var dll = await Repository.ServerDllAsync(settings.Server.Dll, settings.Server.Build);
        Console.WriteLine($"server: {(settings.Server.Dll is null ? Path.GetRelativePath(Repository.Root, dll) : Path.GetFileName(dll))} ({Repository.Source(settings.Server.Dll is not null)}); batches of {settings.BatchSize}, warm-up {settings.Warmup.TotalSeconds:0} s, window {settings.Duration.TotalSeconds:0} s, 1,000 subjects, unique ids ({(settings.RandomIds ? "random UUIDs" : "ordered per connection")})");
        Console.WriteLine($"stores: {string.Join(", ", settings.Stores.Stores)}");
        if (postgres is not null)
        {
            Console.WriteLine(await postgres.DescribeAsync(cancellationToken));
            await postgres.FindProcessesAsync(cancellationToken);
        }

        Console.WriteLine();

        var table = new Table("store", "connections", "run", "events/s (204)", "batches", "p50 ms", "p99 ms", "max ms", "failed", "server CPU (cores)", "PostgreSQL CPU (cores)", "bench CPU (cores)", "machine busy (cores)", "stored = all 204s", "store size");
        var rows = new List<(int Store, string[] Cells)>();
        var results = new List<(string Store, LoadResult Result)>();
        var notes = new List<string>();
        for (var run = 1; run <= settings.Repeat; run++)
        {
            foreach (var store in settings.Stores.Stores)
            {
                foreach (var connections in settings.Connections)
                {
                    var (result, cells, note) = await RunOnceAsync(settings, dll, store, postgres, connections, run, cancellationToken);
                    results.Add((store, result));
                    rows.Add((Array.IndexOf(settings.Stores.Stores, store), cells));
                    if (note is not null)
                    {
                        notes.Add(note);
                    }
                }
            }
        }

        // Grouped by store, each in the order it ran.
        foreach (var (_, cells) in rows.OrderBy(r => r.Store))
        {
            table.Add(cells);
        }

        Console.WriteLine(table);
        Console.WriteLine("store size: SQLite, the database file plus its WAL after the server stopped; PostgreSQL, pg_total_relation_size of every table in the run's schema (heap, indexes, TOAST), without the WAL.");
        Console.WriteLine($"machine busy: all CPU time used on the machine over the measured window (/proc/stat, not idle or iowait), of {Environment.ProcessorCount} cores; what exceeds server + PostgreSQL + bench is other work on the machine.");
        if (postgres is not null)
        {
            Console.WriteLine("PostgreSQL CPU: the postmaster and all its processes (backends, WAL writer, checkpointer, ...), from /proc, over the measured window; \"-\" where it does not apply or the server is not on this machine.");
        }

        foreach (var note in notes)
        {
            Console.WriteLine("- " + note);
        }

        Console.WriteLine();
        foreach (var store in settings.Stores.Stores)
        {
            var best = results.Where(r => r.Store == store).MaxBy(r => r.Result.EventsPerSecond).Result;
            var (target, terms) = Targets[store];
            Console.WriteLine($"best ({store}): {Stats.Count(best.EventsPerSecond)} events/s acknowledged with {best.Connections} connections, p50 {Stats.Ms(best.P50)} ms, p99 {Stats.Ms(best.P99)} ms per batch of {settings.BatchSize}");
            Console.WriteLine(settings.BatchSize == 100
                ? $"target ({store}): >= {Stats.Count(target)} events/s {terms}: {(best.EventsPerSecond >= target ? "MET" : "MISSED")}"
                : $"target ({store}): defined for batches of 100; run with --batch 100 to judge it");
        }

        return 0;
    }

    /// <summary>One run against a fresh server and store; the table's cells, and a note for PostgreSQL runs.</summary>
    private static async Task<(LoadResult Result, string[] Cells, string? Note)> RunOnceAsync(
        IngestSettings settings, string dll, string store, PostgresServer? postgres, int connections, int run, CancellationToken cancellationToken)
    {
        var directory = Repository.NewDataDirectory("ingest");
        var schema = store == StoreSettings.Postgres ? PostgresServer.NewSchema() : null;
        try
        {
            LoadResult result;
            long stored;
            long size;
            string? note = null;
            var walBefore = postgres is not null && schema is not null ? await postgres.WalBytesAsync(cancellationToken) : 0;
            await using (var server = await ServerProcess.StartAsync(dll, directory, schema is null ? null : postgres!.UrlFor(schema), settings.Server.Environment, cancellationToken))
            {
                await Admin.CreateMeterAsync(server.AdminUrl, cancellationToken);
                Console.Error.WriteLine($"bench: run {run}, {store}{(schema is null ? string.Empty : $" (schema {schema})")}, {connections} connections, server pid {server.Id} ...");
                using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var waits = schema is null ? null : postgres!.SampleWaitsAsync(settings.Warmup, settings.Duration, sampling.Token);
                var window = settings.Warmup + settings.Duration;
                try
                {
                    result = await LoadDriver.RunAsync(new LoadPlan
                    {
                        AdminUrl = server.AdminUrl,
                        Connections = connections,
                        BatchSize = settings.BatchSize,
                        Warmup = settings.Warmup,
                        Duration = settings.Duration,

                        // A hard stop besides the clock: no more than a million events per second of the run.
                        MaxEvents = (long)(window.TotalSeconds * 1_000_000),
                        TimeOf = _ => DateTime.UtcNow,
                        RandomIds = settings.RandomIds,
                        ServerCpu = () => server.CpuTime,
                        DatabaseCpu = schema is null ? null : postgres!.CpuTime,
                    }, cancellationToken);
                }
                finally
                {
                    await sampling.CancelAsync();
                }

                if (waits is not null)
                {
                    string sampled;
                    try
                    {
                        sampled = await waits;
                    }
                    catch (Exception exception) when (exception is OperationCanceledException or Npgsql.NpgsqlException)
                    {
                        sampled = "sampling stopped early: " + exception.Message;
                    }

                    note = $"postgres, {connections} connections, run {run}: pg_stat_activity of tollgate's connections over the window, mean count in each state ({sampled})";
                }

                if (result.FailedRequests > 0)
                {
                    Console.Error.WriteLine($"bench:   {result.FailedRequests} requests failed; the server's last lines:\n{server.Log()}");
                }

                await server.StopAsync();
                size = server.StoreBytes;
            }

            if (schema is null)
            {
                using var sqlite = Admin.OpenStore(directory);
                stored = Admin.Scalar(sqlite, "SELECT COUNT(*) FROM events");
            }
            else
            {
                stored = await postgres!.CountEventsAsync(schema, cancellationToken);
                size = await postgres.SchemaBytesAsync(schema, cancellationToken);
                var wal = await postgres.WalBytesAsync(cancellationToken) - walBefore;
                note += $"; WAL written over the whole run (warm-up, start and stop included): {Stats.Bytes(wal)}, {(stored == 0 ? "-" : (wal / (double)stored).ToString("0", System.Globalization.CultureInfo.InvariantCulture))} bytes per stored event";
            }

            var cells = new[]
            {
                store,
                connections.ToString(System.Globalization.CultureInfo.InvariantCulture),
                run.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Stats.Count(result.EventsPerSecond),
                Stats.Count(result.AckedBatches),
                Stats.Ms(result.P50),
                Stats.Ms(result.P99),
                Stats.Ms(result.Max),
                result.FailedRequests == 0 ? "0" : string.Join(", ", result.Failures.Select(f => $"{f.Key}: {f.Value}")),
                Stats.Cores(result.ServerCpu, result.Window),
                result.DatabaseCpu is { } databaseCpu ? Stats.Cores(databaseCpu, result.Window) : "-",
                Stats.Cores(result.ClientCpu, result.Window),
                result.MachineCpu is { } machineCpu ? Stats.Cores(machineCpu, result.Window) : "-",
                stored == result.AllAckedEvents ? $"yes ({Stats.Count(stored)})" : $"NO: stored {Stats.Count(stored)}, acknowledged {Stats.Count(result.AllAckedEvents)}",
                Stats.Bytes(size),
            };
            Console.Error.WriteLine($"bench:   {Stats.Count(result.EventsPerSecond)} events/s, p50 {Stats.Ms(result.P50)} ms, p99 {Stats.Ms(result.P99)} ms, failed {result.FailedRequests}");
            return (result, cells, note);
        }
        finally
        {
            await PostgresServer.CleanUpAsync(settings.Server.KeepData, directory, postgres, schema);
        }
    }
}
