using System.Diagnostics;
using System.Globalization;
using Tollgate.Bench.Gateway;

namespace Tollgate.Bench;

/// <summary>Settings of the <c>gateway</c> command.</summary>
internal sealed record GatewaySettings
{
    /// <summary>Requests per second of the fixed-rate (open-loop) measurement.</summary>
    public int Rate { get; init; } = 1000;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The fixed-rate window of each path, split into <see cref="Rounds"/>.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The paths take turns at the fixed rate this many times, each for <see cref="Duration"/> / rounds.</summary>
    public int Rounds { get; init; } = 4;

    /// <summary>Connections of the closed-loop (maximum throughput) measurement.</summary>
    public int Connections { get; init; } = 64;

    public TimeSpan ThroughputWarmup { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan ThroughputDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan StreamWarmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan StreamDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The paths to measure, in this order: direct, nginx, yarp, tollgate.</summary>
    public string[] Paths { get; init; } = [.. GatewayTarget.All];

    public string NginxBinary { get; init; } = NginxProxy.DefaultBinary;

    /// <summary>nginx's <c>worker_processes</c>: a number or <c>auto</c> (one per core).</summary>
    public string NginxWorkers { get; init; } = "auto";

    /// <summary>Run the upstream inside the benchmark process instead of a child process of its own.</summary>
    public bool UpstreamInProcess { get; init; }

    public required ServerSettings Server { get; init; }
}

/// <summary>
/// The gateway's added latency and throughput, side by side in one run: the same chat request to a fast local
/// OpenAI-compatible upstream directly, through nginx (plain <c>proxy_pass</c>), through YARP (the plain .NET reverse
/// proxy) and through Tollgate (the real server with key-auth, ai-proxy and the token meter on), at a fixed rate, at
/// maximum throughput, and streamed.
/// </summary>
internal static class GatewayBenchmark
{
    private const double AddedP50TargetMs = 1;
    private const double AddedP99TargetMs = 3;
    private const double NginxRatioTarget = 2;
    private const double ThroughputTarget = 5_000;

    /// <summary>
    /// Thread-pool workers that find no work spin up to this many times before they sleep (default 70). At a
    /// moderate request rate that spinning costs a .NET process a third of a core; the driver and the upstream run
    /// with 0 so they leave the CPU to the proxy under test; the server only when told (<c>--server-env</c>).
    /// </summary>
    public const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    private const string SpinLimitSwitch = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    private const string Upstream = "upstream";
    private const string Driver = "driver";

    public static async Task<int> RunAsync(GatewaySettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // Read when the thread pool starts its first worker, which has not happened yet in this process.
        AppContext.SetData(SpinLimitSwitch, 0);
        Console.WriteLine($"# Tollgate gateway benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        var measureTollgate = settings.Paths.Contains(GatewayTarget.Tollgate);
        var dll = measureTollgate ? await Repository.ServerDllAsync(settings.Server.Dll, settings.Server.Build) : null;

        var cpu = new CpuMeter();
        using var self = Process.GetCurrentProcess();
        cpu.Add(Driver, () =>
        {
            self.Refresh();
            return self.TotalProcessorTime;
        });

        FakeLlmUpstream? inProcess = null;
        BenchChild? child = null;
        BenchChild? yarp = null;
        NginxProxy? nginx = null;
        ServerProcess? server = null;
        var directory = measureTollgate ? Repository.NewDataDirectory("gateway") : null;
        var notes = new List<string>();
        try
        {
            Log("starting the upstream ...");
            int upstreamPort;
            if (settings.UpstreamInProcess)
            {
                inProcess = await FakeLlmUpstream.StartAsync(0, cancellationToken);
                upstreamPort = inProcess.Port;
            }
            else
            {
                child = await BenchChild.StartAsync(FakeLlmUpstream.Command, [], new Dictionary<string, string> { [SpinLimitVariable] = "0" }, cancellationToken);
                upstreamPort = child.Port;
                cpu.AddProcesses(Upstream, [child.Id]);
            }

            var targets = new List<GatewayTarget>();
            var bearer = new KeyValuePair<string, string>("Authorization", "Bearer x");
            if (settings.Paths.Contains(GatewayTarget.Direct))
            {
                targets.Add(new GatewayTarget(GatewayTarget.Direct, new Uri($"http://127.0.0.1:{upstreamPort}/v1/chat/completions"), [bearer]));
            }

            string nginxLine;
            if (!settings.Paths.Contains(GatewayTarget.Nginx))
            {
                nginxLine = "nginx: not measured (--paths)";
            }
            else if (!File.Exists(settings.NginxBinary))
            {
                Log(NginxProxy.InstallHint(settings.NginxBinary));
                nginxLine = "nginx: " + NginxProxy.InstallHint(settings.NginxBinary);
            }
            else
            {
                Log("starting nginx ...");
                nginx = await NginxProxy.StartAsync(settings.NginxBinary, upstreamPort, settings.NginxWorkers, settings.Server.KeepData, cancellationToken);
                cpu.AddProcesses(GatewayTarget.Nginx, nginx.ProcessIds);
                targets.Add(new GatewayTarget(GatewayTarget.Nginx, new Uri($"http://127.0.0.1:{nginx.Port}/v1/chat/completions"), [bearer]));
                nginxLine = $"nginx: {nginx.Version}, worker_processes {settings.NginxWorkers} ({nginx.ProcessIds.Count - 1} workers), upstream keepalive 64, proxy_http_version 1.1, Connection \"\", proxy_buffering off, access_log off; master pid {nginx.MasterId}";
            }

            var yarpLine = "yarp: not measured (--paths)";
            if (settings.Paths.Contains(GatewayTarget.Yarp))
            {
                Log("starting the YARP proxy ...");
                yarp = await BenchChild.StartAsync(YarpProxy.Command, ["--upstream-port", upstreamPort.ToString(CultureInfo.InvariantCulture)], YarpProxy.Environment(settings.Server.Environment), cancellationToken);
                cpu.AddProcesses(GatewayTarget.Yarp, [yarp.Id]);
                targets.Add(new GatewayTarget(GatewayTarget.Yarp, new Uri($"http://127.0.0.1:{yarp.Port}/v1/chat/completions"), [bearer]));
                yarpLine = $"yarp: Yarp.ReverseProxy {typeof(Yarp.ReverseProxy.Forwarder.IHttpForwarder).Assembly.GetName().Version?.ToString(3)}, MapForwarder to the upstream and nothing else, in a child process of its own (`gateway-yarp`, server GC{(settings.Server.Environment.Count == 0 ? string.Empty : ", the server's environment too")}); pid {yarp.Id}";
            }

            string tollgateLine = "tollgate: not measured (--paths)";
            if (measureTollgate)
            {
                Log("starting tollgate serve ...");
                server = await ServerProcess.StartAsync(dll!, directory!, null, settings.Server.Environment, cancellationToken);
                Log($"tollgate pid {server.Id}, admin {server.AdminUrl}");
                await TollgateSetup.ConfigureAsync(server.AdminUrl, upstreamPort, cancellationToken);
                var proxyUrl = await TollgateSetup.FindProxyUrlAsync(server, cancellationToken);
                cpu.Add(GatewayTarget.Tollgate, () => server.CpuTime);
                targets.Add(new GatewayTarget(GatewayTarget.Tollgate, new Uri(proxyUrl, "chat"), [new("apikey", TollgateSetup.ApiKey)]));
                tollgateLine = $"tollgate: {(settings.Server.Dll is null ? Path.GetRelativePath(Repository.Root, dll!) : Path.GetFileName(dll!))} ({Repository.Source(settings.Server.Dll is not null)}), "
                    + "fresh SQLite data directory; route /chat with key-auth + ai-proxy (openai, gpt-4, upstream_url to the upstream) + built-in meter kong_konnect_llm_tokens; pid " + server.Id.ToString(CultureInfo.InvariantCulture)
                    + (settings.Server.Environment.Count == 0 ? "; default runtime settings" : "; environment " + string.Join(", ", settings.Server.Environment.Select(e => $"{e.Key}={e.Value}")));
            }

            Console.WriteLine($"upstream: minimal Kestrel server, precomputed answers ({FakeLlmUpstream.Completion.Length} bytes, usage {FakeLlmUpstream.PromptTokens} + {FakeLlmUpstream.CompletionTokens} tokens; streams of {FakeLlmUpstream.ContentChunks} content chunks), "
                + (settings.UpstreamInProcess ? "inside the benchmark process (its CPU is in the driver's)" : $"in a child process of its own (`gateway-upstream`, {SpinLimitVariable}=0)"));
            Console.WriteLine(nginxLine);
            Console.WriteLine(yarpLine);
            Console.WriteLine(tollgateLine);
            Console.WriteLine($"driver: HttpClient (SocketsHttpHandler, HTTP/1.1 keep-alive, thread-pool spin limit 0) in this process, on the same machine; the same request body on every path ({GatewayTarget.ChatBody.Length} bytes)");
            Console.WriteLine();

            var okCounts = targets.ToDictionary(t => t.Name, _ => 0L, StringComparer.Ordinal);
            foreach (var target in targets)
            {
                await CheckAsync(target, cancellationToken);
                okCounts[target.Name] += 2;
            }

            // 1. Fixed rate, open loop: the paths take turns, round after round, so noise from elsewhere on the machine spreads over all of them.
            var clients = targets.ToDictionary(t => t.Name, _ => OpenLoop.CreateClient(), StringComparer.Ordinal);
            var rounds = targets.ToDictionary(t => t.Name, _ => new List<LatencyResult>(), StringComparer.Ordinal);
            var slice = settings.Duration / settings.Rounds;
            try
            {
                for (var round = 1; round <= settings.Rounds; round++)
                {
                    foreach (var target in targets)
                    {
                        // Only the first round warms up: the clients and both proxies keep their connections open between rounds.
                        var warmup = round == 1 ? settings.Warmup : TimeSpan.Zero;
                        Log($"fixed rate: {target.Name}, {settings.Rate} req/s, round {round} of {settings.Rounds}: {(round == 1 ? $"warm-up {warmup.TotalSeconds:0} s + " : string.Empty)}{slice.TotalSeconds:0.#} s ...");
                        var result = await OpenLoop.RunAsync(clients[target.Name], target, settings.Rate, warmup, slice, cpu, cancellationToken);
                        okCounts[target.Name] += result.AllOk;
                        rounds[target.Name].Add(result);
                        Log($"  p50 {Ms3(result.P(50))} ms, p99 {Ms3(result.P(99))} ms, failed {result.Failed}");
                    }
                }
            }
            finally
            {
                foreach (var client in clients.Values)
                {
                    client.Dispose();
                }
            }

            var fixedRate = targets.Select(t => LatencyResult.Merge(rounds[t.Name])).ToList();

            // 2. Maximum throughput, closed loop.
            var throughput = new List<LatencyResult>();
            foreach (var target in targets)
            {
                Log($"max throughput: {target.Name}, {settings.Connections} connections, warm-up {settings.ThroughputWarmup.TotalSeconds:0} s + {settings.ThroughputDuration.TotalSeconds:0} s ...");
                var result = await ClosedLoop.RunAsync(target, settings.Connections, settings.ThroughputWarmup, settings.ThroughputDuration, cpu, cancellationToken);
                okCounts[target.Name] += result.AllOk;
                throughput.Add(result);
                Log($"  {Stats.Count(result.PerSecond)} req/s, p99 {Ms3(result.P(99))} ms, failed {result.Failed}");
            }

            // 3. Streaming through one connection.
            var streaming = new List<StreamResult>();
            foreach (var target in targets)
            {
                Log($"streaming: {target.Name}, one connection, warm-up {settings.StreamWarmup.TotalSeconds:0} s + {settings.StreamDuration.TotalSeconds:0} s ...");
                var result = await Streaming.RunAsync(target, settings.StreamWarmup, settings.StreamDuration, cpu, cancellationToken);
                okCounts[target.Name] += result.AllOk;
                streaming.Add(result);
                Log($"  {Stats.Count(result.TokensPerSecond)} tokens/s, first byte p50 {Ms3(Stats.Percentile(result.SortedFirstByteMs, 50))} ms, failed {result.Failed}");
            }

            string meterLine = "metering: not checked (tollgate not measured)";
            var meterOk = true;
            if (server is not null)
            {
                (meterLine, meterOk) = await CheckMeterAsync(server, okCounts[GatewayTarget.Tollgate], cancellationToken);
                if (!meterOk || targets.Any(t => okCounts[t.Name] == 0))
                {
                    notes.Add("the server's last lines:\n" + server.Log());
                }
            }

            Report(settings, fixedRate, throughput, streaming, meterLine, cpu);
            foreach (var note in notes)
            {
                Console.Error.WriteLine(note);
            }

            var failed = fixedRate.Sum(r => r.Failed) + throughput.Sum(r => r.Failed) + streaming.Sum(r => r.Failed);
            return failed == 0 && meterOk ? 0 : 1;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (nginx is not null)
            {
                await nginx.DisposeAsync();
            }

            if (yarp is not null)
            {
                await yarp.DisposeAsync();
            }

            if (child is not null)
            {
                await child.DisposeAsync();
            }

            if (inProcess is not null)
            {
                await inProcess.DisposeAsync();
            }

            if (directory is not null && !settings.Server.KeepData)
            {
                Repository.DeleteDirectory(directory);
            }
        }
    }

    private static void Report(GatewaySettings settings, List<LatencyResult> fixedRate, List<LatencyResult> throughput, List<StreamResult> streaming, string meterLine, CpuMeter cpu)
    {
        var groups = cpu.Names.Where(n => n != Driver).ToList();
        string[] CpuCells(IReadOnlyDictionary<string, double?> cores) =>
            [.. groups.Select(g => CpuMeter.Format(cores.GetValueOrDefault(g))), CpuMeter.Format(cores.GetValueOrDefault(Driver)), CpuMeter.Format(cores.GetValueOrDefault(CpuMeter.Machine))];
        string[] cpuHeaders = [.. groups.Select(g => g + " CPU"), "driver CPU", "machine busy"];

        Console.WriteLine($"## Fixed rate: {Stats.Count(settings.Rate)} req/s, open loop, {settings.Duration.TotalSeconds:0} s per path after {settings.Warmup.TotalSeconds:0} s warm-up{(settings.Rounds == 1 ? string.Empty : $", in {settings.Rounds} rounds taking turns")}");
        Console.WriteLine();
        var latency = new Table([
            "path", "requests (200)", "failed", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "send lag p99 ms", .. cpuHeaders]);
        foreach (var r in fixedRate)
        {
            latency.Add([
                r.Path, Stats.Count(r.Ok), Failures(r.Failures), Ms3(r.P(50)), Ms3(r.P(90)), Ms3(r.P(99)), Ms3(r.P(99.9)), Ms3(r.SortedMs.Length == 0 ? double.NaN : r.SortedMs[^1]),
                Ms3(Stats.Percentile(r.SortedSendLagMs, 99)), .. CpuCells(r.Cores)]);
        }

        Console.WriteLine(latency);
        Console.WriteLine("Latency counts from each request's scheduled send time (no coordinated omission) to the last byte of the answer. "
            + "send lag: how late the scheduler started requests. CPU in cores over the window (/proc); machine busy includes everything else running.");
        Console.WriteLine();

        var direct = fixedRate.FirstOrDefault(r => r.Path == GatewayTarget.Direct);
        var nginx = fixedRate.FirstOrDefault(r => r.Path == GatewayTarget.Nginx);
        var yarp = fixedRate.FirstOrDefault(r => r.Path == GatewayTarget.Yarp);
        var tollgate = fixedRate.FirstOrDefault(r => r.Path == GatewayTarget.Tollgate);
        var proxies = fixedRate.Where(r => r.Path != GatewayTarget.Direct).ToList();
        var verdicts = new List<string>();
        if (direct is not null && proxies.Count > 0)
        {
            Console.WriteLine("## Added latency over calling the upstream directly (same run)");
            Console.WriteLine();
            double Added(LatencyResult? path, double p) => path is null ? double.NaN : path.P(p) - direct.P(p);

            // The comparisons that the measured paths allow, each a column: (header, cell at a percentile).
            var comparisons = new List<(string Header, Func<double, string> Cell)>();
            if (tollgate is not null && nginx is not null)
            {
                comparisons.Add(("tollgate ÷ nginx", p => Ratio(Added(tollgate, p), Added(nginx, p))));
            }

            if (yarp is not null && nginx is not null)
            {
                comparisons.Add(("yarp ÷ nginx", p => Ratio(Added(yarp, p), Added(nginx, p))));
            }

            if (tollgate is not null && yarp is not null)
            {
                comparisons.Add(("tollgate − yarp ms", p => Ms3(Added(tollgate, p) - Added(yarp, p))));
            }

            if (tollgate is not null)
            {
                comparisons.Add(("target (tollgate)", p => p switch { 50 => "≤ 1 ms, ≤ 2× nginx", 99 => "≤ 3 ms, ≤ 2× nginx", _ => string.Empty }));
            }

            var added = new Table(["percentile", .. proxies.Select(r => r.Path + " added ms"), .. comparisons.Select(c => c.Header)]);
            foreach (var p in (ReadOnlySpan<double>)[50, 90, 99, 99.9])
            {
                added.Add(["p" + p.ToString(CultureInfo.InvariantCulture), .. proxies.Select(r => Ms3(Added(r, p))), .. comparisons.Select(c => c.Cell(p))]);
            }

            Console.WriteLine(added);
            Console.WriteLine("added = the path's percentile minus direct's percentile, both from the fixed-rate table above."
                + (yarp is null || tollgate is null ? string.Empty : " yarp is the floor of any Kestrel-and-HttpClient proxy; tollgate − yarp is what Tollgate's own work (key-auth, body rewrite, usage, metering) adds above it."));
            Console.WriteLine();
            if (tollgate is not null)
            {
                var t50 = Added(tollgate, 50);
                var t99 = Added(tollgate, 99);
                verdicts.Add($"target: gateway added latency p50 ≤ {AddedP50TargetMs:0} ms at {Stats.Count(settings.Rate)} req/s: {Ms3(t50)} ms, {AddedVerdict(t50, AddedP50TargetMs)}");
                verdicts.Add($"target: gateway added latency p99 ≤ {AddedP99TargetMs:0} ms at {Stats.Count(settings.Rate)} req/s: {Ms3(t99)} ms, {AddedVerdict(t99, AddedP99TargetMs)}");
                if (nginx is not null)
                {
                    var n50 = Added(nginx, 50);
                    var n99 = Added(nginx, 99);
                    verdicts.Add($"target: within {NginxRatioTarget:0}× of nginx's own overhead: p50 {Ratio(t50, n50)} ({RatioVerdict(t50, n50)}), p99 {Ratio(t99, n99)} ({RatioVerdict(t99, n99)})");
                }

                if (yarp is not null)
                {
                    var y50 = Added(yarp, 50);
                    verdicts.Add($"context: the .NET floor (yarp) adds p50 {Ms3(y50)} ms{(nginx is null ? string.Empty : $", {Ratio(y50, Added(nginx, 50))} nginx's")}; tollgate adds {Ms3(t50 - y50)} ms above it");
                }
            }
        }

        Console.WriteLine($"## Maximum throughput: {settings.Connections} connections, closed loop, {settings.ThroughputDuration.TotalSeconds:0} s after {settings.ThroughputWarmup.TotalSeconds:0} s warm-up");
        Console.WriteLine();
        var max = new Table(["path", "req/s (200)", "p50 ms", "p99 ms", "failed", .. cpuHeaders]);
        foreach (var r in throughput)
        {
            max.Add([r.Path, Stats.Count(r.PerSecond), Ms3(r.P(50)), Ms3(r.P(99)), Failures(r.Failures), .. CpuCells(r.Cores)]);
        }

        Console.WriteLine(max);
        Console.WriteLine($"All processes share the machine's {Environment.ProcessorCount} cores: the driver and the upstream take CPU the proxy would otherwise have.");
        Console.WriteLine();
        if (throughput.FirstOrDefault(r => r.Path == GatewayTarget.Tollgate) is { } best)
        {
            verdicts.Add($"target: ≥ {Stats.Count(ThroughputTarget)} req/s non-streaming on 2 cores: {Stats.Count(best.PerSecond)} req/s on {Environment.ProcessorCount} cores shared with driver and upstream "
                + $"(tollgate itself used {CpuMeter.Format(best.Cores.GetValueOrDefault(GatewayTarget.Tollgate))} cores), {Verdict(best.PerSecond >= ThroughputTarget)}");
        }

        Console.WriteLine($"## Streaming: one connection, streams back to back, {settings.StreamDuration.TotalSeconds:0} s after {settings.StreamWarmup.TotalSeconds:0} s warm-up");
        Console.WriteLine();
        var streams = new Table(["path", "streams", "tokens/s", "first byte p50 ms", "first byte p99 ms", "stream p50 ms", "stream p99 ms", "failed", .. cpuHeaders]);
        foreach (var r in streaming)
        {
            streams.Add([
                r.Path, Stats.Count(r.Streams), Stats.Count(r.TokensPerSecond),
                Ms3(Stats.Percentile(r.SortedFirstByteMs, 50)), Ms3(Stats.Percentile(r.SortedFirstByteMs, 99)),
                Ms3(Stats.Percentile(r.SortedStreamMs, 50)), Ms3(Stats.Percentile(r.SortedStreamMs, 99)),
                r.Bad == 0 ? Failures(r.Failures) : $"{Failures(r.Failures)}; {r.Bad} incomplete", .. CpuCells(r.Cores)]);
        }

        Console.WriteLine(streams);
        Console.WriteLine($"A stream is a role chunk, {FakeLlmUpstream.ContentChunks} content chunks (the tokens counted), a finish chunk, the usage chunk and [DONE], each flushed on its own by the upstream. "
            + "first byte: from sending the request until the first bytes of the body arrive.");
        Console.WriteLine();
        Console.WriteLine(meterLine);
        foreach (var verdict in verdicts)
        {
            Console.WriteLine(verdict);
        }
    }

    /// <summary>One plain and one streamed request must come back whole before anything is measured.</summary>
    private static async Task CheckAsync(GatewayTarget target, CancellationToken cancellationToken)
    {
        using var client = Http.CreateClient(1);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var request = target.NewRequest(stream: false);
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.OK && body.Contains("\"chat.completion\"", StringComparison.Ordinal) && body.Contains("\"total_tokens\":20", StringComparison.Ordinal))
            {
                break;
            }

            // Tollgate applies configuration changes right away, but allow for a snapshot swap in flight.
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{target.Name}: the check request answered {(int)response.StatusCode}: {body}");
            }

            await Task.Delay(100, cancellationToken);
        }

        using var streamRequest = target.NewRequest(stream: true);
        using var streamed = await client.SendAsync(streamRequest, cancellationToken);
        var text = await streamed.Content.ReadAsByteArrayAsync(cancellationToken);
        var chunks = text.AsSpan().Count(FakeLlmUpstream.ContentMarker);
        if (streamed.StatusCode != System.Net.HttpStatusCode.OK || chunks != FakeLlmUpstream.ContentChunks || !text.AsSpan().EndsWith(FakeLlmUpstream.DoneEvent))
        {
            throw new InvalidOperationException($"{target.Name}: the streamed check answered {(int)streamed.StatusCode} with {chunks} content chunks: {System.Text.Encoding.UTF8.GetString(text)}");
        }

        Log($"{target.Name}: {target.Url} answers (plain and streamed)");
    }

    /// <summary>The token meter must hold 20 tokens for every request Tollgate answered 200; the outbox flushes in the background, so wait a little.</summary>
    private static async Task<(string Line, bool Ok)> CheckMeterAsync(ServerProcess server, long answered, CancellationToken cancellationToken)
    {
        var expected = answered * (decimal)FakeLlmUpstream.TotalTokens;
        var clock = Stopwatch.StartNew();
        decimal metered;
        while (true)
        {
            metered = await TollgateSetup.MeteredTokensAsync(server.AdminUrl, cancellationToken);
            if (metered == expected || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                break;
            }

            await Task.Delay(200, cancellationToken);
        }

        var ok = metered == expected;
        var line = $"metering: tollgate answered {Stats.Count(answered)} chat requests 200 over the whole run (checks, warm-ups, all three measurements) × {FakeLlmUpstream.TotalTokens} tokens = {Stats.Count((double)expected)} expected; "
            + $"meter {TollgateSetup.MeterSlug} sums {Stats.Count((double)metered)} after {clock.Elapsed.TotalSeconds:0.0} s: {(ok ? "EXACT" : "MISMATCH")}";
        Log(line);
        return (line, ok);
    }

    private static string Failures(IReadOnlyDictionary<string, long> failures) =>
        failures.Count == 0 ? "0" : string.Join(", ", failures.Select(f => $"{f.Key}: {f.Value}"));

    private static string Ms3(double value) => double.IsNaN(value) ? "-" : value.ToString(Math.Abs(value) < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture);

    private static string Ratio(double value, double reference) =>
        double.IsNaN(value) || double.IsNaN(reference) || reference <= 0 ? "-" : (value / reference).ToString("0.0", CultureInfo.InvariantCulture) + "×";

    private static string Verdict(bool met) => met ? "MET" : "MISSED";

    /// <summary>A negative added latency means direct was slower than the proxied path: noise, not a result.</summary>
    private static string AddedVerdict(double added, double target) =>
        double.IsNaN(added) ? "-" : added < 0 ? "INCONCLUSIVE (below direct: noise)" : Verdict(added <= target);

    private static string RatioVerdict(double tollgate, double nginx) =>
        double.IsNaN(tollgate) || double.IsNaN(nginx) ? "-" : nginx <= 0 || tollgate < 0 ? "INCONCLUSIVE (an added latency ≤ 0: noise)" : Verdict(tollgate <= NginxRatioTarget * nginx);

    private static void Log(string message) => Console.Error.WriteLine("bench: " + message);
}
