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
/// Durable ingest throughput over HTTP: for each connection count, a fresh server and store, one SUM meter
/// with two group-by keys, a warm-up, then a fixed window of batches of live events; only 204s count.
/// </summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(IngestSettings settings, CancellationToken cancellationToken)
    {
        Console.WriteLine($"# Tollgate ingest benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        var dll = await Repository.ServerDllAsync(settings.Server.Dll, settings.Server.Build);
        Console.WriteLine($"server: {Path.GetRelativePath(Repository.Root, dll)} ({Repository.Source()}); batches of {settings.BatchSize}, warm-up {settings.Warmup.TotalSeconds:0} s, window {settings.Duration.TotalSeconds:0} s, 1,000 subjects, unique ids ({(settings.RandomIds ? "random UUIDs" : "ordered per connection")})");
        Console.WriteLine();

        var table = new Table("connections", "run", "events/s (204)", "batches", "p50 ms", "p99 ms", "max ms", "failed", "server CPU (cores)", "bench CPU (cores)", "stored = all 204s", "store size");
        var results = new List<LoadResult>();
        for (var run = 1; run <= settings.Repeat; run++)
        {
            foreach (var connections in settings.Connections)
            {
                var directory = Repository.NewDataDirectory("ingest");
                try
                {
                    LoadResult result;
                    long stored;
                    long size;
                    await using (var server = await ServerProcess.StartAsync(dll, directory, settings.Server.Environment, cancellationToken))
                    {
                        await Admin.CreateMeterAsync(server.AdminUrl, cancellationToken);
                        Console.Error.WriteLine($"bench: run {run}, {connections} connections, server pid {server.Id} ...");
                        var window = settings.Warmup + settings.Duration;
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
                        }, cancellationToken);
                        await server.StopAsync();
                        size = server.StoreBytes;
                    }

                    using (var store = Admin.OpenStore(directory))
                    {
                        stored = Admin.Scalar(store, "SELECT COUNT(*) FROM events");
                    }

                    results.Add(result);
                    table.Add(
                        connections.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        run.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Stats.Count(result.EventsPerSecond),
                        Stats.Count(result.AckedBatches),
                        Stats.Ms(result.P50),
                        Stats.Ms(result.P99),
                        Stats.Ms(result.Max),
                        result.FailedRequests == 0 ? "0" : string.Join(", ", result.Failures.Select(f => $"{f.Key}: {f.Value}")),
                        Stats.Cores(result.ServerCpu, result.Window),
                        Stats.Cores(result.ClientCpu, result.Window),
                        stored == result.AllAckedEvents ? $"yes ({Stats.Count(stored)})" : $"NO: stored {Stats.Count(stored)}, acknowledged {Stats.Count(result.AllAckedEvents)}",
                        Stats.Bytes(size));
                    Console.Error.WriteLine($"bench:   {Stats.Count(result.EventsPerSecond)} events/s, p50 {Stats.Ms(result.P50)} ms, p99 {Stats.Ms(result.P99)} ms, failed {result.FailedRequests}");
                }
                finally
                {
                    if (!settings.Server.KeepData)
                    {
                        Repository.DeleteDirectory(directory);
                    }
                }
            }
        }

        Console.WriteLine(table);
        var best = results.MaxBy(r => r.EventsPerSecond)!;
        Console.WriteLine($"best: {Stats.Count(best.EventsPerSecond)} events/s acknowledged with {best.Connections} connections, p50 {Stats.Ms(best.P50)} ms, p99 {Stats.Ms(best.P99)} ms per batch of {settings.BatchSize}");
        Console.WriteLine(settings.BatchSize == 100
            ? $"target: >= 100,000 events/s durable over HTTP in batches of 100 with dedup on: {(best.EventsPerSecond >= 100_000 ? "MET" : "MISSED")}"
            : "target: defined for batches of 100; run with --batch 100 to judge it");
        return 0;
    }
}
