using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Tollgate.Bench;

/// <summary>What one load run sends.</summary>
internal sealed record LoadPlan
{
    /// <summary>The server's admin base address (loopback).</summary>
    public required Uri AdminUrl { get; init; }

    /// <summary>Concurrent requests, one per HTTP/1.1 connection.</summary>
    public required int Connections { get; init; }

    public int BatchSize { get; init; } = 100;

    public int Subjects { get; init; } = 1000;

    /// <summary>Random UUIDs as event ids instead of ordered ones.</summary>
    public bool RandomIds { get; init; }

    /// <summary>Load before the measured window; nothing sent during it is counted.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>The measured window; null runs until <see cref="MaxEvents"/> are sent (seeding).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Hard bound on events sent, whatever the duration.</summary>
    public required long MaxEvents { get; init; }

    /// <summary>An event's time from its number in the run.</summary>
    public required Func<long, DateTime> TimeOf { get; init; }

    /// <summary>Resend a refused batch (503) until it is stored; seeding needs exact totals, the ingest benchmark does not.</summary>
    public bool RetryRefused { get; init; }

    /// <summary>Makes ids unique across runs against one store.</summary>
    public string Tag { get; init; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Reads the server's CPU time, sampled at the edges of the measured window.</summary>
    public Func<TimeSpan>? ServerCpu { get; init; }

    /// <summary>Reads the database server's CPU time (PostgreSQL's processes), sampled like <see cref="ServerCpu"/>; null when unknown.</summary>
    public Func<TimeSpan?>? DatabaseCpu { get; init; }

    /// <summary>Called about every 10 s with the events acknowledged so far.</summary>
    public Action<long, TimeSpan>? Progress { get; init; }
}

/// <summary>What the measured window saw: only 204 answers count as acknowledged. <see cref="AllAckedEvents"/> covers the whole run, warm-up included.</summary>
internal sealed record LoadResult(
    int Connections,
    long AckedEvents,
    long AckedBatches,
    TimeSpan Window,
    double[] LatenciesMs,
    IReadOnlyDictionary<string, long> Failures,
    TimeSpan ServerCpu,
    TimeSpan ClientCpu,
    long AllAckedEvents,
    TimeSpan? DatabaseCpu = null,
    TimeSpan? MachineCpu = null)
{
    public double EventsPerSecond => AckedEvents / Window.TotalSeconds;

    public double P50 => Stats.Percentile(LatenciesMs, 50);

    public double P99 => Stats.Percentile(LatenciesMs, 99);

    public double Max => LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[^1];

    public long FailedRequests => Failures.Values.Sum();
}

/// <summary>
/// Posts CloudEvents batches from N concurrent connections and times each request until its answer, which
/// Tollgate only sends after the store's commit. A request counts when it completes inside the measured window.
/// </summary>
internal static class LoadDriver
{
    private static readonly MediaTypeHeaderValue BatchContentType = new("application/cloudevents-batch+json");

    public static async Task<LoadResult> RunAsync(LoadPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var url = new Uri(plan.AdminUrl, "api/v1/events");
        if (!IPAddress.TryParse(url.Host, out var address) || !IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException("the load driver only targets loopback");
        }

        using var client = Http.CreateClient(plan.Connections);
        var clock = Stopwatch.StartNew();
        var windowStart = plan.Warmup;
        var windowEnd = plan.Duration is { } duration ? windowStart + duration : TimeSpan.MaxValue;
        long next = 0;
        long acked = 0;
        long ackedAll = 0;
        var failures = new Dictionary<string, long>(StringComparer.Ordinal);
        var latencies = new List<double>[plan.Connections];
        using var self = Process.GetCurrentProcess();

        // CPU of both processes over the measured window, sampled when it opens and closes.
        TimeSpan serverCpuStart = default, serverCpuEnd = default, clientCpuStart = default, clientCpuEnd = default;
        TimeSpan? databaseCpuStart = null, databaseCpuEnd = null, machineCpuStart = null, machineCpuEnd = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(windowStart, stop.Token);
            serverCpuStart = plan.ServerCpu?.Invoke() ?? default;
            databaseCpuStart = plan.DatabaseCpu?.Invoke();
            machineCpuStart = Machine.BusyTime();
            self.Refresh();
            clientCpuStart = self.TotalProcessorTime;
            while (!stop.IsCancellationRequested)
            {
                var wait = windowEnd == TimeSpan.MaxValue ? TimeSpan.FromSeconds(10) : Min(TimeSpan.FromSeconds(10), windowEnd - clock.Elapsed);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop.Token);
                }

                var now = clock.Elapsed;
                plan.Progress?.Invoke(Interlocked.Read(ref acked), now);
                if (now >= windowEnd)
                {
                    serverCpuEnd = plan.ServerCpu?.Invoke() ?? default;
                    databaseCpuEnd = plan.DatabaseCpu?.Invoke();
                    machineCpuEnd = Machine.BusyTime();
                    self.Refresh();
                    clientCpuEnd = self.TotalProcessorTime;
                    return;
                }
            }
        }, CancellationToken.None);

        var workers = new Task[plan.Connections];
        for (var c = 0; c < plan.Connections; c++)
        {
            var connection = c;
            latencies[c] = new List<double>(4096);
            workers[c] = Task.Run(async () =>
            {
                var batches = new EventBatches(plan.Tag, connection, plan.Subjects, seed: HashCode.Combine(plan.Tag, connection)) { RandomIds = plan.RandomIds };
                while (!cancellationToken.IsCancellationRequested && clock.Elapsed < windowEnd)
                {
                    var first = Interlocked.Add(ref next, plan.BatchSize) - plan.BatchSize;
                    if (first >= plan.MaxEvents)
                    {
                        return;
                    }

                    var count = (int)Math.Min(plan.BatchSize, plan.MaxEvents - first);
                    var body = batches.Next(count, first, plan.TimeOf);
                    for (var attempt = 1; ; attempt++)
                    {
                        var started = clock.Elapsed;
                        var outcome = await SendAsync(client, url, body, cancellationToken);
                        var ended = clock.Elapsed;
                        var counted = ended >= windowStart && ended <= windowEnd;
                        if (outcome is null)
                        {
                            Interlocked.Add(ref ackedAll, count);
                            if (counted)
                            {
                                Interlocked.Add(ref acked, count);
                                latencies[connection].Add((ended - started).TotalMilliseconds);
                            }

                            break;
                        }

                        if (counted)
                        {
                            lock (failures)
                            {
                                failures[outcome] = failures.GetValueOrDefault(outcome) + 1;
                            }
                        }

                        if (!plan.RetryRefused || attempt >= 50 || cancellationToken.IsCancellationRequested)
                        {
                            if (plan.RetryRefused)
                            {
                                throw new InvalidOperationException($"a batch was refused {attempt} times ({outcome}); stopping the seeding");
                            }

                            break;
                        }

                        await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
                    }
                }
            }, CancellationToken.None);
        }

        try
        {
            await Task.WhenAll(workers);
        }
        finally
        {
            var ended = clock.Elapsed;
            if (windowEnd == TimeSpan.MaxValue)
            {
                windowEnd = ended;
                serverCpuEnd = plan.ServerCpu?.Invoke() ?? default;
                databaseCpuEnd = plan.DatabaseCpu?.Invoke();
                machineCpuEnd = Machine.BusyTime();
                self.Refresh();
                clientCpuEnd = self.TotalProcessorTime;
            }

            await stop.CancelAsync();
            try
            {
                await sampler;
            }
            catch (OperationCanceledException)
            {
            }
        }

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new LoadResult(
            plan.Connections,
            Interlocked.Read(ref acked),
            all.Length,
            windowEnd - windowStart,
            all,
            failures,
            serverCpuEnd - serverCpuStart,
            clientCpuEnd - clientCpuStart,
            Interlocked.Read(ref ackedAll),
            databaseCpuEnd - databaseCpuStart,
            machineCpuEnd - machineCpuStart);
    }

    /// <summary>Posts one batch; null when it was acknowledged (204), else what went wrong.</summary>
    private static async Task<string?> SendAsync(HttpClient client, Uri url, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = BatchContentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.StatusCode == HttpStatusCode.NoContent ? null : "HTTP " + (int)response.StatusCode;
        }
        catch (HttpRequestException exception)
        {
            return exception.HttpRequestError.ToString();
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timeout";
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
