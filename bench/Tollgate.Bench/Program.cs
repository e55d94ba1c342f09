using System.CommandLine;
using System.Globalization;
using Tollgate.Bench;
using Tollgate.Bench.Gateway;

var serverDll = new Option<string?>("--server") { Description = "Benchmark this tollgate.dll instead of artifacts/tollgate/tollgate.dll (published first when stale)." };
var noBuild = new Option<bool>("--no-build") { Description = "Use artifacts/tollgate/tollgate.dll as it is, even if sources are newer." };
var keepData = new Option<bool>("--keep-data") { Description = "Keep the temporary data directories (under the system temp directory, tollgate-bench/)." };
var perfMap = new Option<bool>("--perf-map") { Description = "Start the server with DOTNET_PerfMapEnabled=1 (and W^X off) so `perf record -p PID` can name JIT-compiled frames." };

ServerSettings Server(ParseResult result) => new()
{
    Dll = result.GetValue(serverDll),
    Build = !result.GetValue(noBuild),
    KeepData = result.GetValue(keepData),
    Environment = result.GetValue(perfMap) ? new() { ["DOTNET_PerfMapEnabled"] = "1", ["DOTNET_EnableWriteXorExecute"] = "0" } : [],
};

var postgresUrl = new Option<string?>("--postgres")
{
    Description = $"PostgreSQL server for --stores postgres (postgres://USER@HOST:PORT/DATABASE); every run gets a fresh schema, dropped afterwards unless --keep-data. Default: ${PostgresServer.UrlVariable}, set by eval \"$(scripts/test-postgres start)\".",
    DefaultValueFactory = _ => PostgresServer.DefaultUrl,
};
var stores = new Option<string>("--stores") { Description = "Comma-separated stores to run against: sqlite, postgres (the server with --db).", DefaultValueFactory = _ => StoreSettings.Sqlite };

// The stores a command runs against, or null after telling why the options do not name a usable set.
StoreSettings? Stores(ParseResult result)
{
    var parsed = StoreSettings.Parse(result.GetValue(stores)!, result.GetValue(postgresUrl), out var error);
    if (parsed is null)
    {
        Console.Error.WriteLine("bench: " + error);
    }

    return parsed;
}

var connections = new Option<string>("--connections") { Description = "Comma-separated concurrent connection counts to try.", DefaultValueFactory = _ => "8,32,64" };
var batch = new Option<int>("--batch") { Description = "Events per request.", DefaultValueFactory = _ => 100 };
var warmup = new Option<int>("--warmup") { Description = "Seconds of load before the measured window.", DefaultValueFactory = _ => 5 };
var duration = new Option<int>("--duration") { Description = "Seconds of the measured window (at most 120).", DefaultValueFactory = _ => 20 };
var repeat = new Option<int>("--repeat") { Description = "Runs of each connection count (machines are noisy; report the better).", DefaultValueFactory = _ => 2 };
var randomIds = new Option<bool>("--random-ids") { Description = "Send random UUIDs as event ids (as clients using randomUUID() do) instead of ids ordered per connection." };
var ingest = new Command("ingest", "Durable ingest throughput over HTTP: batches of CloudEvents from N connections against a fresh server; only 204s count.")
{
    connections, batch, warmup, duration, repeat, randomIds, stores, postgresUrl, serverDll, noBuild, keepData, perfMap,
};
ingest.SetAction((result, cancellationToken) => Stores(result) is not { } storeSettings ? Task.FromResult(2) : IngestBenchmark.RunAsync(new IngestSettings
{
    Connections = [.. result.GetValue(connections)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => Math.Clamp(int.Parse(c, CultureInfo.InvariantCulture), 1, 512))],
    BatchSize = Math.Clamp(result.GetValue(batch), 1, 10_000),
    Warmup = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(warmup), 0, 60)),
    Duration = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(duration), 1, 120)),
    Repeat = Math.Clamp(result.GetValue(repeat), 1, 5),
    RandomIds = result.GetValue(randomIds),
    Server = Server(result),
    Stores = storeSettings,
}, cancellationToken));

var sizes = new Option<string>("--sizes") { Description = "Comma-separated store sizes in events, ascending; the store grows from one to the next.", DefaultValueFactory = _ => "1000000,10000000" };
var queries = new Option<int>("--queries") { Description = "Queries per round and shape (after 50 warm-up queries).", DefaultValueFactory = _ => 500 };
var rounds = new Option<int>("--rounds") { Description = "Measuring rounds at each size (report the better).", DefaultValueFactory = _ => 2 };
var seedConnections = new Option<int>("--seed-connections") { Description = "Connections used to seed the store.", DefaultValueFactory = _ => 16 };
var seedBatch = new Option<int>("--seed-batch") { Description = "Events per seeding request.", DefaultValueFactory = _ => 1000 };
var noRestart = new Option<bool>("--no-restart") { Description = "With --seed http: query the server that did the seeding instead of restarting it first." };
var seed = new Option<string>("--seed")
{
    Description = "How to grow the store: `http` (the server's ingest API, the real path; the only one for PostgreSQL), `writer` (in-process through the engine's writer, no HTTP) or `bulk` (the engine's parser, meter and write-session statements, rollups summed per 200,000 events, synchronous=OFF; fastest).",
    DefaultValueFactory = _ => "bulk",
};
seed.AcceptOnlyFromAmong("http", "writer", "bulk");
var query = new Command("query", "Meter query latency (one subject's month grouped by two keys, over HTTP) at growing store sizes.")
{
    sizes, queries, rounds, seed, seedConnections, seedBatch, noRestart, stores, postgresUrl, serverDll, noBuild, keepData, perfMap,
};
query.SetAction((result, cancellationToken) => Stores(result) is not { } storeSettings ? Task.FromResult(2) : QueryBenchmark.RunAsync(new QuerySettings
{
    Sizes = [.. result.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => Math.Clamp(long.Parse(s, CultureInfo.InvariantCulture), 1_000, 50_000_000)).Order()],
    Queries = Math.Clamp(result.GetValue(queries), 10, 100_000),
    Rounds = Math.Clamp(result.GetValue(rounds), 1, 5),
    SeedConnections = Math.Clamp(result.GetValue(seedConnections), 1, 256),
    SeedBatch = Math.Clamp(result.GetValue(seedBatch), 1, 10_000),
    Restart = !result.GetValue(noRestart),
    Seed = result.GetValue(seed)!,
    Server = Server(result),
    Stores = storeSettings,
}, cancellationToken));

var events = new Option<int>("--events") { Description = "Events pushed through each in-process stage.", DefaultValueFactory = _ => 200_000 };
var breakdown = new Command("breakdown", "In-process cost of each ingest stage (parse, meter extraction, SQLite writer) and of the pipeline without HTTP.")
{
    events, batch, keepData,
};
breakdown.SetAction((result, cancellationToken) => BreakdownBenchmark.RunAsync(
    Math.Clamp(result.GetValue(events), 10_000, 5_000_000), Math.Clamp(result.GetValue(batch), 1, 10_000), result.GetValue(keepData), cancellationToken));

var counterWorkers = new Option<string>("--workers") { Description = "Comma-separated workers per node to try.", DefaultValueFactory = _ => "1,4,16" };
var counterDuration = new Option<int>("--duration") { Description = "Seconds of each measurement.", DefaultValueFactory = _ => 5 };
var counters = new Command("counters", "Reserve-and-settle cost on the shared counters, in process, with one and two nodes per store.")
{
    counterWorkers, counterDuration, stores, postgresUrl, keepData,
};
counters.SetAction((result, cancellationToken) => Stores(result) is not { } storeSettings ? Task.FromResult(2) : CountersBenchmark.RunAsync(
    storeSettings,
    [.. result.GetValue(counterWorkers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(w => Math.Clamp(int.Parse(w, CultureInfo.InvariantCulture), 1, 256))],
    TimeSpan.FromSeconds(Math.Clamp(result.GetValue(counterDuration), 1, 60)), result.GetValue(keepData), cancellationToken));

var gatewayRounds = new Option<int>("--rounds") { Description = "The paths take turns at the fixed rate this many times, each for --duration / rounds seconds (spreads noise from elsewhere on the machine over all paths).", DefaultValueFactory = _ => 4 };
var rate = new Option<int>("--rate") { Description = "Requests per second of the fixed-rate (open-loop) latency measurement.", DefaultValueFactory = _ => 1000 };
var gatewayConnections = new Option<int>("--connections") { Description = "Connections of the maximum-throughput (closed-loop) measurement.", DefaultValueFactory = _ => 64 };
var throughputDuration = new Option<int>("--throughput-duration") { Description = "Seconds of the maximum-throughput window (after 3 s of warm-up).", DefaultValueFactory = _ => 15 };
var streamDuration = new Option<int>("--stream-duration") { Description = "Seconds of the streaming window (after 2 s of warm-up).", DefaultValueFactory = _ => 10 };
var paths = new Option<string>("--paths") { Description = "Comma-separated paths to measure: direct, nginx, yarp (the plain .NET reverse proxy), tollgate (added latency needs direct).", DefaultValueFactory = _ => string.Join(',', GatewayTarget.All) };
var nginxBinary = new Option<string>("--nginx") { Description = "The nginx binary; when missing, the nginx column is skipped with a hint how to install it.", DefaultValueFactory = _ => NginxProxy.DefaultBinary };
var nginxWorkers = new Option<string>("--nginx-workers") { Description = "nginx's worker_processes: a number or auto (one per core).", DefaultValueFactory = _ => "auto" };
var serverEnv = new Option<string[]>("--server-env")
{
    Description = $"NAME=VALUE added to the server's environment (and the YARP proxy's, so the .NET floor runs alike), repeatable; e.g. {GatewayBenchmark.SpinLimitVariable}=0 (idle thread-pool workers sleep at once instead of spinning, as the driver and the upstream always run) or DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1.",
    AllowMultipleArgumentsPerToken = false,
};
var upstreamInProcess = new Option<bool>("--upstream-in-process") { Description = "Run the fake upstream inside the benchmark process instead of a child process of its own." };
var gateway = new Command("gateway", "Gateway added latency and throughput: direct to a fast local OpenAI-compatible upstream vs through nginx vs through YARP (the plain .NET reverse proxy) vs through Tollgate (key-auth + ai-proxy + metering), side by side.")
{
    rate, warmup, duration, gatewayRounds, gatewayConnections, throughputDuration, streamDuration, paths, nginxBinary, nginxWorkers, upstreamInProcess, serverEnv, serverDll, noBuild, keepData, perfMap,
};
gateway.SetAction((result, cancellationToken) =>
{
    var chosen = result.GetValue(paths)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var unknown = chosen.Where(p => !GatewayTarget.All.Contains(p)).ToList();
    if (unknown.Count > 0 || chosen.Length == 0)
    {
        Console.Error.WriteLine($"bench: --paths takes {string.Join(", ", GatewayTarget.All)}, not: {string.Join(", ", unknown)}");
        return Task.FromResult(2);
    }

    var environment = new Dictionary<string, string>(Server(result).Environment, StringComparer.Ordinal);
    foreach (var pair in result.GetValue(serverEnv) ?? [])
    {
        var at = pair.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0)
        {
            Console.Error.WriteLine($"bench: --server-env takes NAME=VALUE, not: {pair}");
            return Task.FromResult(2);
        }

        environment[pair[..at]] = pair[(at + 1)..];
    }

    var workers = result.GetValue(nginxWorkers)!;
    if (workers != "auto" && !(int.TryParse(workers, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 64))
    {
        Console.Error.WriteLine("bench: --nginx-workers takes a number from 1 to 64 or auto");
        return Task.FromResult(2);
    }

    return GatewayBenchmark.RunAsync(new GatewaySettings
    {
        Rate = Math.Clamp(result.GetValue(rate), 10, 50_000),
        Warmup = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(warmup), 0, 60)),
        Duration = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(duration), 1, 120)),
        Rounds = Math.Clamp(result.GetValue(gatewayRounds), 1, 20),
        Connections = Math.Clamp(result.GetValue(gatewayConnections), 1, 1024),
        ThroughputDuration = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(throughputDuration), 1, 120)),
        StreamDuration = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(streamDuration), 1, 120)),
        Paths = [.. GatewayTarget.All.Where(chosen.Contains)],
        NginxBinary = result.GetValue(nginxBinary)!,
        NginxWorkers = workers,
        UpstreamInProcess = result.GetValue(upstreamInProcess),
        Server = Server(result) with { Environment = environment },
    }, cancellationToken);
});

// The gateway benchmark's fake upstream, started by `gateway` as a child process of its own.
var upstreamPort = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: a free one, printed as `listening PORT`)." };
var gatewayUpstream = new Command(FakeLlmUpstream.Command, "The fake OpenAI-compatible upstream of `gateway`; stops when standard input closes.") { Hidden = true };
gatewayUpstream.Options.Add(upstreamPort);
gatewayUpstream.SetAction((result, cancellationToken) => FakeLlmUpstream.RunAsync(Math.Clamp(result.GetValue(upstreamPort), 0, 65535), cancellationToken));

// The gateway benchmark's YARP proxy, started by `gateway` as a child process of its own.
var yarpUpstreamPort = new Option<int>("--upstream-port") { Description = "Port of the upstream on 127.0.0.1.", Required = true };
var gatewayYarp = new Command(YarpProxy.Command, "The plain .NET reverse proxy of `gateway` (YARP); prints `listening PORT`, stops when standard input closes.") { Hidden = true };
gatewayYarp.Options.Add(yarpUpstreamPort);
gatewayYarp.SetAction((result, cancellationToken) => YarpProxy.RunAsync(Math.Clamp(result.GetValue(yarpUpstreamPort), 1, 65535), cancellationToken));

var billCustomers = new Option<int>("--customers") { Description = "Customers on the usage plan.", DefaultValueFactory = _ => 10_000 };
var billEvents = new Option<int>("--events") { Description = "Usage events per customer over the month.", DefaultValueFactory = _ => 30 };
var billRun = new Command("billrun", "Bill run: N customers with a month of usage each, timed from the period's end until every invoice is issued and paid (in process, test clock).")
{
    billCustomers, billEvents, stores, postgresUrl, keepData,
};
billRun.SetAction((result, cancellationToken) => Stores(result) is not { } storeSettings ? Task.FromResult(2) : BillRunBenchmark.RunAsync(
    Math.Clamp(result.GetValue(billCustomers), 1, 1_000_000), Math.Clamp(result.GetValue(billEvents), 1, 10_000), storeSettings, result.GetValue(keepData), cancellationToken));

var accessDuration = new Option<int>("--duration") { Description = "Seconds of each measurement.", DefaultValueFactory = _ => 5 };
var access = new Command("access", "The gateway's entitlement check (boolean and metered hard limit), in process on a real server over SQLite.")
{
    accessDuration, keepData,
};
access.SetAction((result, cancellationToken) => AccessBenchmark.RunAsync(
    TimeSpan.FromSeconds(Math.Clamp(result.GetValue(accessDuration), 1, 60)), result.GetValue(keepData), cancellationToken));

var root = new RootCommand("Tollgate benchmarks: ingest throughput and meter query latency against the real server over loopback HTTP.")
{
    ingest, query, breakdown, counters,
};
root.Subcommands.Add(gateway);
root.Subcommands.Add(access);
root.Subcommands.Add(billRun);
root.Subcommands.Add(gatewayUpstream);
root.Subcommands.Add(gatewayYarp);
return await root.Parse(args).InvokeAsync();
