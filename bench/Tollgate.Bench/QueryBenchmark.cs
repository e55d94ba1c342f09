using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Tollgate.Metering.Ingest;

namespace Tollgate.Bench;

/// <summary>Settings of the <c>query</c> command.</summary>
internal sealed record QuerySettings
{
    /// <summary>Store sizes to measure at, ascending; the store grows from one to the next.</summary>
    public required long[] Sizes { get; init; }

    public required int Queries { get; init; }

    public required int Rounds { get; init; }

    public required int SeedConnections { get; init; }

    public required int SeedBatch { get; init; }

    public required bool Restart { get; init; }

    /// <summary><c>http</c>, <c>writer</c> (the engine's writer in-process, no HTTP) or <c>bulk</c> (see <see cref="BulkSeeder"/>).</summary>
    public required string Seed { get; init; }

    public required ServerSettings Server { get; init; }

    /// <summary>The stores to measure, one after the other; PostgreSQL only with <c>--seed http</c>.</summary>
    public required StoreSettings Stores { get; init; }
}

/// <summary>
/// Meter query latency against store size: seeds the store through the real HTTP ingest with events spread
/// over three months across 1,000 subjects, then times the OpenMeter query for one subject's month grouped by
/// model and type, at each size, with the same sequence of subjects and months.
/// </summary>
internal static class QueryBenchmark
{
    private const int Subjects = 1000;

    /// <summary>Seeded events fall in [Start, Start + Span): January to March 2025.</summary>
    private static readonly DateTime Start = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime End = new(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly (string Name, string? Suffix)[] Shapes =
    [
        ("month, groupBy model+type", string.Empty),
        ("month, groupBy model+type, windowSize=DAY", "&windowSize=DAY"),

        // The same client and connection against the cheapest admin endpoint: the HTTP part of every figure above.
        ("GET /healthz (HTTP floor)", null),
    ];

    public static async Task<int> RunAsync(QuerySettings settings, CancellationToken cancellationToken)
    {
        var postgres = settings.Stores.Stores.Contains(StoreSettings.Postgres) ? new PostgresServer(settings.Stores.PostgresUrl!) : null;
        if (postgres is not null && settings.Seed != "http")
        {
            await Console.Error.WriteLineAsync($"bench: --seed {settings.Seed} writes the SQLite file in-process; a PostgreSQL store can only be seeded through the server: add --seed http");
            return 2;
        }

        Console.WriteLine($"# Tollgate meter query benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        var dll = await Repository.ServerDllAsync(settings.Server.Dll, settings.Server.Build);
        Console.WriteLine($"server: {(settings.Server.Dll is null ? Path.GetRelativePath(Repository.Root, dll) : Path.GetFileName(dll))} ({Repository.Source(settings.Server.Dll is not null)}); {Subjects:N0} subjects, events from {Start:yyyy-MM-dd} to {End:yyyy-MM-dd} in time order, "
            + $"seeded with --seed {settings.Seed}; {settings.Queries} queries per round, {settings.Rounds} rounds");
        Console.WriteLine($"stores: {string.Join(", ", settings.Stores.Stores)}");
        if (postgres is not null)
        {
            Console.WriteLine(await postgres.DescribeAsync(cancellationToken));
        }

        foreach (var store in settings.Stores.Stores)
        {
            Console.WriteLine();
            if (settings.Stores.Stores.Length > 1)
            {
                Console.WriteLine($"## {store}");
                Console.WriteLine();
            }

            await RunStoreAsync(settings, dll, store == StoreSettings.Postgres ? postgres : null, cancellationToken);
        }

        return 0;
    }

    /// <summary>The whole measurement on one store: SQLite in a fresh data directory, or PostgreSQL in a fresh schema when <paramref name="postgres"/> is given.</summary>
    private static async Task RunStoreAsync(QuerySettings settings, string dll, PostgresServer? postgres, CancellationToken cancellationToken)
    {
        var directory = Repository.NewDataDirectory("query");
        var schema = postgres is null ? null : PostgresServer.NewSchema();
        var databaseUrl = schema is null ? null : postgres!.UrlFor(schema);
        var measured = new List<(long Size, string Shape, int Round, double[] Latencies, double Rows)>();
        var notes = new List<string>();
        ServerProcess? server = null;
        try
        {
            if (settings.Seed == "http")
            {
                server = await ServerProcess.StartAsync(dll, directory, databaseUrl, settings.Server.Environment, cancellationToken);
                await Admin.CreateMeterAsync(server.AdminUrl, cancellationToken);
            }

            long total = 0;
            foreach (var size in settings.Sizes)
            {
                var count = size - total;
                var tag = Guid.NewGuid().ToString("N")[..8];

                // Each pass walks the three months in order, as live traffic would arrive.
                DateTime TimeOf(long i) => Start.AddTicks((End - Start).Ticks / count * i);
                void Progress(long done, TimeSpan elapsed) => Console.Error.WriteLine($"bench:   {done:N0} events after {elapsed.TotalSeconds:0} s ({done / elapsed.TotalSeconds:N0}/s)");
                if (settings.Seed == "bulk")
                {
                    if (server is not null)
                    {
                        await server.DisposeAsync();
                        server = null;
                    }

                    await using (var module = await InProcessIngest.StartAsync(directory, new IngestOptions(), cancellationToken))
                    {
                        await module.EnsureMeterAsync(cancellationToken);
                    }

                    Console.Error.WriteLine($"bench: seeding {count:N0} events (store total {size:N0}) in bulk through the engine's write session ...");
                    var (elapsed, split) = await BulkSeeder.SeedAsync(directory, count, tag, TimeOf, Progress, cancellationToken);
                    notes.Add($"seeded {count:N0} events in bulk through the engine's write session in {elapsed.TotalSeconds:0} s ({count / elapsed.TotalSeconds:N0} events/s; rollup deltas summed per 200,000 events, synchronous=OFF: a seeding shortcut, not an ingest figure); {split}");
                    server = await ServerProcess.StartAsync(dll, directory, databaseUrl, settings.Server.Environment, cancellationToken);
                    notes.Add($"at {size:N0} events: store {Stats.Bytes(server.StoreBytes)}, server started and ready in {server.StartupTime.TotalSeconds:0.0} s");
                    Console.Error.WriteLine($"bench: measuring queries against server pid {server.Id} ...");
                }
                else if (settings.Seed == "writer")
                {
                    if (server is not null)
                    {
                        await server.DisposeAsync();
                        server = null;
                    }

                    Console.Error.WriteLine($"bench: seeding {count:N0} events (store total {size:N0}) in-process through the engine's writer ...");
                    await using (var module = await InProcessIngest.StartAsync(directory, new IngestOptions { MaxEventsPerCommit = 50_000 }, cancellationToken))
                    {
                        await module.EnsureMeterAsync(cancellationToken);
                        var (latencies, elapsed) = await module.IngestAsync(count, settings.SeedBatch, settings.SeedConnections, tag, TimeOf, Progress, cancellationToken);
                        notes.Add($"seeded {count:N0} events in-process through the engine's writer in {elapsed.TotalSeconds:0} s ({count / elapsed.TotalSeconds:N0} events/s, batches of {settings.SeedBatch} from {settings.SeedConnections} callers, commits of up to 50,000 events, p99 {Stats.Ms(Stats.Percentile(latencies, 99))} ms)");
                    }

                    server = await ServerProcess.StartAsync(dll, directory, databaseUrl, settings.Server.Environment, cancellationToken);
                    notes.Add($"at {size:N0} events: store {Stats.Bytes(server.StoreBytes)}, server started and ready in {server.StartupTime.TotalSeconds:0.0} s");
                    Console.Error.WriteLine($"bench: measuring queries against server pid {server.Id} ...");
                }
                else
                {
                    Console.Error.WriteLine($"bench: seeding {count:N0} events (store total {size:N0}) over HTTP, server pid {server!.Id} ...");
                    var seeding = Stopwatch.StartNew();
                    var running = server;
                    var seeded = await LoadDriver.RunAsync(new LoadPlan
                    {
                        AdminUrl = server.AdminUrl,
                        Connections = settings.SeedConnections,
                        BatchSize = settings.SeedBatch,
                        Subjects = Subjects,
                        MaxEvents = count,
                        RetryRefused = true,
                        Tag = tag,
                        TimeOf = TimeOf,
                        ServerCpu = () => running.CpuTime,
                        Progress = Progress,
                    }, cancellationToken);
                    if (seeded.AckedEvents != count)
                    {
                        throw new InvalidOperationException($"seeding stored {seeded.AckedEvents:N0} of {count:N0} events");
                    }

                    notes.Add($"seeded {count:N0} events over HTTP in {seeding.Elapsed.TotalSeconds:0} s ({seeded.EventsPerSecond:N0} events/s, batches of {settings.SeedBatch} from {settings.SeedConnections} connections, p99 {Stats.Ms(seeded.P99)} ms)");
                    if (settings.Restart)
                    {
                        await server.DisposeAsync();
                        server = null;
                        server = await ServerProcess.StartAsync(dll, directory, databaseUrl, settings.Server.Environment, cancellationToken);
                        var bytes = schema is null ? server.StoreBytes : await postgres!.SchemaBytesAsync(schema, cancellationToken);
                        notes.Add($"at {size:N0} events: store {Stats.Bytes(bytes)}{(schema is null ? string.Empty : " (the schema's tables with indexes and TOAST, without the WAL)")}, server restarted and ready in {server.StartupTime.TotalSeconds:0.0} s");
                        Console.Error.WriteLine($"bench: measuring queries against server pid {server.Id} ...");
                    }
                }

                total = size;
                if (schema is not null)
                {
                    var levels = await postgres!.RowsAsync(schema, "SELECT level, COUNT(*) FROM meter_rollups GROUP BY level ORDER BY level", cancellationToken);
                    var events = await postgres.CountEventsAsync(schema, cancellationToken);
                    notes.Add($"at {size:N0} events: {events:N0} stored events; rollup rows by level (1 minute, 2 hour, 3 day): {string.Join("; ", levels)}");
                    if (size == settings.Sizes[^1])
                    {
                        notes.Add("before the rounds: " + await RollupPlanAsync(postgres, schema, cancellationToken));
                    }
                }
                else
                {
                    using var store = Admin.OpenStore(directory);
                    var levels = Admin.Rows(store, "SELECT level, COUNT(*) FROM meter_rollups GROUP BY level ORDER BY level");
                    notes.Add($"at {size:N0} events: {Admin.Scalar(store, "SELECT COUNT(*) FROM events"):N0} stored events; rollup rows by level (1 minute, 2 hour, 3 day): {string.Join("; ", levels)}");
                    if (size == settings.Sizes[^1])
                    {
                        notes.Add("plan of the rollup read: " + string.Join("; ", Admin.Rows(store, """
                            EXPLAIN QUERY PLAN SELECT subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value
                            FROM meter_rollups WHERE meter_num = 1 AND level = 3 AND bucket_start >= 0 AND bucket_start < 1 AND subject IN ('customer-0001')
                            """)));
                    }
                }

                for (var round = 1; round <= settings.Rounds; round++)
                {
                    foreach (var (shape, suffix) in Shapes)
                    {
                        var (latencies, rows) = await MeasureAsync(server!.AdminUrl, suffix, settings.Queries, cancellationToken);
                        measured.Add((size, shape, round, latencies, rows));
                        Console.Error.WriteLine($"bench:   {size:N0} events, round {round}, {shape}: p50 {Stats.Ms(Stats.Percentile(latencies, 50))} ms, p95 {Stats.Ms(Stats.Percentile(latencies, 95))} ms, p99 {Stats.Ms(Stats.Percentile(latencies, 99))} ms");
                    }
                }

                // PostgreSQL plans from statistics that autovacuum refreshes on its own time: show whether the plan changed while measuring.
                if (schema is not null && size == settings.Sizes[^1])
                {
                    notes.Add("after the rounds: " + await RollupPlanAsync(postgres!, schema, cancellationToken));
                }
            }
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            await PostgresServer.CleanUpAsync(settings.Server.KeepData, directory, postgres, schema);
        }

        var table = new Table("store events", "query", "round", "rows/answer", "p50 ms", "p95 ms", "p99 ms", "max ms");
        foreach (var (size, shape, round, latencies, rows) in measured)
        {
            table.Add(Stats.Count(size), shape, round.ToString(CultureInfo.InvariantCulture), rows.ToString("0", CultureInfo.InvariantCulture),
                Stats.Ms(Stats.Percentile(latencies, 50)), Stats.Ms(Stats.Percentile(latencies, 95)), Stats.Ms(Stats.Percentile(latencies, 99)), Stats.Ms(latencies[^1]));
        }

        Console.WriteLine(table);

        // Side by side: the better round (lower p95) at each size.
        var sizes = settings.Sizes;
        var side = new Table(["query", "percentile", .. sizes.Select(s => Stats.Count(s) + " events"), $"{Stats.Count(sizes[^1])} / {Stats.Count(sizes[0])}"]);
        var worstP95 = 0.0;
        foreach (var (shape, suffix) in Shapes)
        {
            var best = sizes.Select(s => measured.Where(m => m.Size == s && m.Shape == shape).MinBy(m => Stats.Percentile(m.Latencies, 95)).Latencies).ToArray();
            foreach (var percentile in (double[])[50, 95, 99])
            {
                var values = best.Select(l => Stats.Percentile(l, percentile)).ToArray();
                side.Add([shape, "p" + percentile.ToString(CultureInfo.InvariantCulture), .. values.Select(Stats.Ms), (values[^1] / values[0]).ToString("0.00", CultureInfo.InvariantCulture) + "x"]);
            }

            if (suffix is not null)
            {
                worstP95 = Math.Max(worstP95, Stats.Percentile(best[^1], 95));
            }
        }

        Console.WriteLine("better round of each:");
        Console.WriteLine(side);
        foreach (var note in notes)
        {
            Console.WriteLine("- " + note);
        }

        Console.WriteLine();
        Console.WriteLine($"target{(postgres is null ? string.Empty : " (postgres)")}: meter query p95 <= 10 ms at {Stats.Count(sizes[^1])} events across {Subjects:N0} subjects: {(worstP95 <= 10 ? "MET" : "MISSED")} (worst p95 {Stats.Ms(worstP95)} ms)");
    }

    /// <summary>The plan and run time of the day-level rollup read for one subject's February on PostgreSQL, and when meter_rollups was last analyzed.</summary>
    private static async Task<string> RollupPlanAsync(PostgresServer postgres, string schema, CancellationToken cancellationToken)
    {
        var month = Start.AddMonths(1);
        var plan = await postgres.RowsAsync(schema, string.Create(CultureInfo.InvariantCulture, $"""
            EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT subject, bucket_start, group_key, count, sum, min, max, latest_time, latest_value
            FROM meter_rollups WHERE meter_num = 1 AND level = 3 AND bucket_start >= {month.Ticks} AND bucket_start < {month.AddMonths(1).Ticks} AND subject IN ('{EventBatches.Subject(1)}')
            """), cancellationToken);
        var analyzed = await postgres.RowsAsync(schema, """
            SELECT COALESCE(to_char(GREATEST(last_analyze, last_autoanalyze) AT TIME ZONE 'UTC', 'HH24:MI:SS "UTC"'), 'never'), n_mod_since_analyze
            FROM pg_stat_user_tables WHERE relid = 'meter_rollups'::regclass
            """, cancellationToken);
        return string.Create(CultureInfo.InvariantCulture, $"at {DateTime.UtcNow:HH:mm:ss} UTC, meter_rollups last analyzed | rows changed since: {string.Join("; ", analyzed)}; plan of the rollup read (February, one subject): {string.Join(" / ", plan.Select(l => l.Trim()))}");
    }

    /// <summary>
    /// Sends <paramref name="count"/> queries one after another on one connection, after a short warm-up, each for
    /// a subject and a whole month drawn from a fixed seed. Times the full round trip, body included.
    /// </summary>
    private static async Task<(double[] Latencies, double Rows)> MeasureAsync(Uri adminUrl, string? suffix, int count, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(1);
        var random = new Random(20250201);
        var latencies = new double[count];
        long rows = 0;
        const int Warmup = 50;
        for (var i = -Warmup; i < count; i++)
        {
            var subject = EventBatches.Subject(random.Next(Subjects));
            var month = Start.AddMonths(random.Next(3));
            var url = suffix is null ? new Uri(adminUrl, "healthz") : new Uri(adminUrl, string.Create(CultureInfo.InvariantCulture,
                $"api/v1/meters/{EventBatches.MeterSlug}/query?subject={subject}&from={month:yyyy-MM-dd'T'HH:mm:ss'Z'}&to={month.AddMonths(1):yyyy-MM-dd'T'HH:mm:ss'Z'}&groupBy=model&groupBy=type{suffix}"));
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(url, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {url.PathAndQuery} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
            }

            if (i >= 0)
            {
                latencies[i] = elapsed.TotalMilliseconds;
                if (suffix is null)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(body);
                rows += document.RootElement.GetProperty("data").GetArrayLength();
            }
        }

        Array.Sort(latencies);
        return (latencies, rows / (double)count);
    }
}
