using System.Diagnostics;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// Closed-loop load for the maximum throughput: N connections, each sending its next request as soon as the last
/// one is answered. A request counts when its answer arrives inside the measured window; latency is its round trip.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LatencyResult> RunAsync(GatewayTarget target, int connections, TimeSpan warmup, TimeSpan duration, CpuMeter cpu, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(connections);
        client.Timeout = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        var windowEnd = warmup + duration;
        var failures = new FailureCounts();
        var latencies = new List<double>[connections];
        long allOk = 0;
        CpuSample? first = null, last = null;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(warmup, cancellationToken);
            first = cpu.Take();
            var left = windowEnd - clock.Elapsed;
            await Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            last = cpu.Take();
        }, cancellationToken);

        var workers = new Task[connections];
        for (var c = 0; c < connections; c++)
        {
            var own = latencies[c] = new List<double>(1 << 16);
            workers[c] = Task.Run(async () =>
            {
                while (!cancellationToken.IsCancellationRequested && clock.Elapsed < windowEnd)
                {
                    var started = Stopwatch.GetTimestamp();
                    var failure = await FailureCounts.SendAsync(client, target, cancellationToken);
                    var ended = clock.Elapsed;
                    if (failure is not null)
                    {
                        failures.Add(failure);
                        continue;
                    }

                    Interlocked.Increment(ref allOk);
                    if (ended >= warmup && ended <= windowEnd)
                    {
                        own.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(workers);
        await sampler;
        var sorted = latencies.SelectMany(l => l).ToArray();
        Array.Sort(sorted);
        return new LatencyResult(target.Name, sorted.Length, failures.Snapshot(), sorted, duration, CpuMeter.Cores(first, last), Interlocked.Read(ref allOk));
    }
}

/// <summary>What the streaming run saw in its measured window.</summary>
internal sealed record StreamResult(
    string Path,
    long Streams,
    long Tokens,
    long Bad,
    IReadOnlyDictionary<string, long> Failures,
    double[] SortedFirstByteMs,
    double[] SortedStreamMs,
    TimeSpan Window,
    IReadOnlyDictionary<string, double?> Cores,
    long AllOk)
{
    public double TokensPerSecond => Tokens / Window.TotalSeconds;

    public long Failed => Failures.Values.Sum() + Bad;
}

/// <summary>
/// Streaming through one connection: the streamed chat request back to back, each read to the end. Time to first
/// byte is until the first bytes of the body arrive; tokens are the content chunks received.
/// </summary>
internal static class Streaming
{
    public static async Task<StreamResult> RunAsync(GatewayTarget target, TimeSpan warmup, TimeSpan duration, CpuMeter cpu, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(1);
        client.Timeout = TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        var windowEnd = warmup + duration;
        var failures = new FailureCounts();
        var firstBytes = new List<double>(1 << 16);
        var streams = new List<double>(1 << 16);
        long tokens = 0, bad = 0, allOk = 0;
        CpuSample? first = null, last = null;
        var buffer = new byte[64 * 1024];
        while (!cancellationToken.IsCancellationRequested && clock.Elapsed < windowEnd)
        {
            if (first is null && clock.Elapsed >= warmup)
            {
                first = cpu.Take();
            }

            var started = Stopwatch.GetTimestamp();
            double firstByte = double.NaN;
            var length = 0;
            string? failure = null;
            try
            {
                using var request = target.NewRequest(stream: true);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (response.StatusCode != System.Net.HttpStatusCode.OK)
                {
                    failure = "HTTP " + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    while (true)
                    {
                        if (length == buffer.Length)
                        {
                            Array.Resize(ref buffer, buffer.Length * 2);
                        }

                        var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                        if (read == 0)
                        {
                            break;
                        }

                        if (length == 0)
                        {
                            firstByte = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        }

                        length += read;
                    }
                }
            }
            catch (HttpRequestException exception)
            {
                failure = exception.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "timeout";
            }

            var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var ended = clock.Elapsed;
            if (failure is not null)
            {
                failures.Add(failure);
                continue;
            }

            allOk++;
            var received = buffer.AsSpan(0, length);
            var chunks = Count(received, FakeLlmUpstream.ContentMarker);
            var complete = chunks == FakeLlmUpstream.ContentChunks && received.EndsWith(FakeLlmUpstream.DoneEvent);

            if (ended < warmup || ended > windowEnd)
            {
                continue;
            }

            if (!complete)
            {
                bad++;
                continue;
            }

            tokens += chunks;
            firstBytes.Add(firstByte);
            streams.Add(total);
        }

        last = cpu.Take();
        var sortedFirst = firstBytes.ToArray();
        var sortedStreams = streams.ToArray();
        Array.Sort(sortedFirst);
        Array.Sort(sortedStreams);
        return new StreamResult(target.Name, sortedStreams.Length, tokens, bad, failures.Snapshot(), sortedFirst, sortedStreams, duration, CpuMeter.Cores(first, last), allOk);
    }

    private static int Count(ReadOnlySpan<byte> text, ReadOnlySpan<byte> marker)
    {
        var count = 0;
        for (var at = text.IndexOf(marker); at >= 0; at = text.IndexOf(marker))
        {
            count++;
            text = text[(at + marker.Length)..];
        }

        return count;
    }
}
