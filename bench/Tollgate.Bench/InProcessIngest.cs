using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tollgate.Metering;
using Tollgate.Metering.Api;
using Tollgate.Metering.Events;
using Tollgate.Metering.Ingest;
using Tollgate.Metering.Meters;
using Tollgate.Store;

namespace Tollgate.Bench;

/// <summary>
/// The metering module wired as the server wires it (store, catalog, ingestor, the single writer), without
/// Kestrel: callers hand parsed batches straight to <see cref="EventIngestor"/>. Used to seed large stores fast
/// through the engine's own writer, and to measure the pipeline without HTTP.
/// </summary>
internal sealed class InProcessIngest : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;

    private InProcessIngest(ServiceProvider provider, IHostedService[] hosted)
    {
        _provider = provider;
        _hosted = hosted;
    }

    public EventIngestor Ingestor => _provider.GetRequiredService<EventIngestor>();

    /// <summary>Opens (migrating if needed) the store in <paramref name="directory"/> and starts the writer.</summary>
    public static async Task<InProcessIngest> StartAsync(string directory, IngestOptions options, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new StoreOptions { DataDirectory = directory });
        services.AddSingleton<SqliteStore>();
        services.AddMetering(options);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<SqliteStore>().Migrate(MeteringModule.SqliteMigrations);
        var hosted = provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(cancellationToken);
        }

        return new InProcessIngest(provider, hosted);
    }

    /// <summary>Creates the benchmark meter unless the store already has it, and waits until its rollups are current.</summary>
    public async Task EnsureMeterAsync(CancellationToken cancellationToken)
    {
        var meters = _provider.GetRequiredService<MeterService>();
        if (meters.Current.Find(EventBatches.MeterSlug) is null)
        {
            await meters.CreateAsync(JsonSerializer.Deserialize(EventBatches.MeterJson, MeteringJsonContext.Default.MeterDraft)!, cancellationToken);
        }

        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (meters.Current.Find(EventBatches.MeterSlug) is not { Meter.Ready: true })
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the meter's rollups did not become current within 5 minutes");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>
    /// Sends <paramref name="count"/> events in batches of <paramref name="batchSize"/> from <paramref name="callers"/>
    /// concurrent callers, each batch parsed by <see cref="CloudEventParser"/> as the HTTP endpoint does. Returns the
    /// sorted per-batch latencies (parse to commit) in milliseconds and the elapsed time.
    /// </summary>
    public async Task<(double[] LatenciesMs, TimeSpan Elapsed)> IngestAsync(
        long count, int batchSize, int callers, string tag, Func<long, DateTime> timeOf, Action<long, TimeSpan>? progress, CancellationToken cancellationToken)
    {
        var ingestor = Ingestor;
        long next = 0;
        long done = 0;
        var latencies = new List<double>[callers];
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var reporter = progress is null ? Task.CompletedTask : Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), stop.Token);
                    progress(Interlocked.Read(ref done), clock.Elapsed);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            var batches = new EventBatches(tag, c, 1000, seed: HashCode.Combine(tag, c));
            while (!cancellationToken.IsCancellationRequested)
            {
                var first = Interlocked.Add(ref next, batchSize) - batchSize;
                if (first >= count)
                {
                    return;
                }

                var size = (int)Math.Min(batchSize, count - first);
                var body = batches.Next(size, first, timeOf);
                var started = Stopwatch.GetTimestamp();
                using var document = JsonDocument.Parse(body);
                var events = new List<ParsedEvent>(size);
                if (CloudEventParser.Parse(document.RootElement, true, DateTimeOffset.UtcNow, events) is { } error)
                {
                    throw new InvalidOperationException($"{error.Field}: {error.Message}");
                }

                if (await ingestor.IngestAsync(events) != IngestOutcome.Committed)
                {
                    throw new InvalidOperationException("the in-process writer refused a batch");
                }

                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Add(ref done, size);
            }
        }, cancellationToken)));
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await reporter;
        return ([.. latencies.SelectMany(l => l).Order()], elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _hosted.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
        SqliteStore.CloseAll();
    }
}
