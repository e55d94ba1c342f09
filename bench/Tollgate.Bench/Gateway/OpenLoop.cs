using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace Tollgate.Bench.Gateway;

/// <summary>What a fixed-rate or closed-loop run saw in its measured window.</summary>
internal sealed record LatencyResult(
    string Path,
    long Ok,
    IReadOnlyDictionary<string, long> Failures,
    double[] SortedMs,
    TimeSpan Window,
    IReadOnlyDictionary<string, double?> Cores,
    long AllOk)
{
    /// <summary>How late the scheduler sent each request (open loop only): send time minus scheduled time, ms, ascending.</summary>
    public double[] SortedSendLagMs { get; init; } = [];

    /// <summary>Rounds merged into this result.</summary>
    public int Rounds { get; init; } = 1;

    public double PerSecond => Ok / Window.TotalSeconds;

    public long Failed => Failures.Values.Sum();

    public double P(double percentile) => Stats.Percentile(SortedMs, percentile);

    /// <summary>Rounds of one path as one result: all latencies together, windows added, CPU averaged over the windows.</summary>
    public static LatencyResult Merge(IReadOnlyList<LatencyResult> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var window = rounds.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Window);
        var failures = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in rounds.SelectMany(r => r.Failures))
        {
            failures[kind] = failures.GetValueOrDefault(kind) + count;
        }

        var cores = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var name in rounds.SelectMany(r => r.Cores.Keys).Distinct())
        {
            cores[name] = rounds.All(r => r.Cores.GetValueOrDefault(name) is not null)
                ? rounds.Sum(r => r.Cores[name]!.Value * r.Window.TotalSeconds) / window.TotalSeconds
                : null;
        }

        var latencies = rounds.SelectMany(r => r.SortedMs).ToArray();
        Array.Sort(latencies);
        var lags = rounds.SelectMany(r => r.SortedSendLagMs).ToArray();
        Array.Sort(lags);
        return new LatencyResult(rounds[0].Path, rounds.Sum(r => r.Ok), failures, latencies, window, cores, rounds.Sum(r => r.AllOk))
        {
            SortedSendLagMs = lags,
            Rounds = rounds.Count,
        };
    }
}

/// <summary>Counts failures by kind from many threads.</summary>
internal sealed class FailureCounts
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string kind)
    {
        lock (_counts)
        {
            _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
        }
    }

    public Dictionary<string, long> Snapshot()
    {
        lock (_counts)
        {
            return new Dictionary<string, long>(_counts, StringComparer.Ordinal);
        }
    }

    /// <summary>Sends one non-streaming chat request and reads the whole answer; null on 200, else what went wrong.</summary>
    public static async Task<string?> SendAsync(HttpClient client, GatewayTarget target, CancellationToken cancellationToken)
    {
        try
        {
            using var request = target.NewRequest(stream: false);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK ? null : "HTTP " + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
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
}

/// <summary>
/// Open-loop load at a fixed rate: request i is due at start + i / rate and is sent then whatever happened to the
/// earlier ones (new connections are opened as needed), and its latency counts from that due time, so a stall
/// shows in every request it delays (no coordinated omission). A dedicated thread schedules with microsecond
/// sleeps; the requests it starts run on the thread pool.
/// </summary>
internal static class OpenLoop
{
    /// <summary>Nanoseconds of timer slack for the scheduler thread (Linux's default is 50 µs).</summary>
    private const int PrSetTimerSlack = 29;

    /// <summary>A client for <see cref="RunAsync"/>; keep it across rounds of one path so its connections stay open.</summary>
    public static HttpClient CreateClient()
    {
        var client = Http.CreateClient(4096);
        client.Timeout = TimeSpan.FromSeconds(10);
        return client;
    }

    public static async Task<LatencyResult> RunAsync(HttpClient client, GatewayTarget target, int rate, TimeSpan warmup, TimeSpan duration, CpuMeter cpu, CancellationToken cancellationToken)
    {
        var total = (long)(rate * (warmup + duration).TotalSeconds);
        var firstMeasured = (long)(rate * warmup.TotalSeconds);
        var latencies = new double[total];
        var lags = new double[total];
        var tasks = new Task[total];
        var failures = new FailureCounts();
        var interval = Stopwatch.Frequency / (double)rate;
        CpuSample? windowStart = null, windowEnd = null;
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduler = new Thread(() =>
        {
            try
            {
                ReduceTimerSlack();
                var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
                for (long i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
                {
                    var due = start + (long)(i * interval);
                    WaitUntil(due);
                    if (i == firstMeasured)
                    {
                        windowStart = cpu.Take();
                    }

                    lags[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                    tasks[i] = SendAsync(client, target, due, i, latencies, failures, cancellationToken);
                }

                WaitUntil(start + (long)(total * interval));
                windowEnd = cpu.Take();
                scheduled.SetResult();
            }
#pragma warning disable CA1031 // The thread's failure goes to the awaiting task.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                scheduled.SetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "open-loop scheduler",
        };
        scheduler.Start();
        await scheduled.Task;
        await Task.WhenAll(tasks.Where(t => t is not null));

        var measured = latencies.AsSpan((int)firstMeasured);
        var ok = new List<double>(measured.Length);
        foreach (var latency in measured)
        {
            if (!double.IsNaN(latency))
            {
                ok.Add(latency);
            }
        }

        var sorted = ok.ToArray();
        Array.Sort(sorted);
        var sortedLags = lags[(int)firstMeasured..];
        Array.Sort(sortedLags);
        return new LatencyResult(
            target.Name,
            sorted.Length,
            failures.Snapshot(),
            sorted,
            duration,
            CpuMeter.Cores(windowStart, windowEnd),
            latencies.LongCount(l => !double.IsNaN(l)))
        {
            SortedSendLagMs = sortedLags,
        };
    }

    private static async Task SendAsync(HttpClient client, GatewayTarget target, long due, long index, double[] latencies, FailureCounts failures, CancellationToken cancellationToken)
    {
        var failure = await FailureCounts.SendAsync(client, target, cancellationToken);
        latencies[index] = failure is null ? Stopwatch.GetElapsedTime(due).TotalMilliseconds : double.NaN;
        if (failure is not null)
        {
            failures.Add(failure);
        }
    }

    /// <summary>Sleeps until <paramref name="due"/> (a <see cref="Stopwatch"/> timestamp) with microsecond sleeps where the OS has them.</summary>
    private static void WaitUntil(long due)
    {
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            if (OperatingSystem.IsLinux())
            {
                _ = USleep((uint)Math.Max(1, remaining.TotalMicroseconds));
            }
            else if (remaining > TimeSpan.FromMilliseconds(1.5))
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    private static void ReduceTimerSlack()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);
            }
            catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
            {
                // The default slack then: sends run up to ~50 µs late, which the lag column shows.
            }
        }
    }

    [DllImport("libc", EntryPoint = "usleep")]
    private static extern int USleep(uint microseconds);

    [DllImport("libc", EntryPoint = "prctl")]
    private static extern int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
