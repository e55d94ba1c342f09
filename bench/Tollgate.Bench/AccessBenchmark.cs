using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Access;
using Tollgate.Server.Hosting;

namespace Tollgate.Bench;

/// <summary>
/// The gateway's entitlement check as the proxy calls it, in process on a real server over a fresh SQLite store:
/// <see cref="IGatewayAccess.AdmitAsync"/> and the settle of one request, for a boolean entitlement and for a
/// metered hard limit (a shared-counter reservation), by one and by several concurrent callers. DESIGN §4 asks
/// for ≤ 50 µs with no store round trip.
/// </summary>
internal static class AccessBenchmark
{
    public static async Task<int> RunAsync(TimeSpan duration, bool keepData, CancellationToken cancellationToken)
    {
        Console.WriteLine($"# Tollgate entitlement check ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        var directory = Repository.NewDataDirectory("access");
        var app = TollgateHost.Build(new TollgateOptions
        {
            DataDirectory = directory,
            ProxyListen = "127.0.0.1:0",
            AdminListen = "127.0.0.1:0",
            ConsoleListen = "127.0.0.1:0",
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await app.StartAsync(cancellationToken);
        try
        {
            using var admin = new HttpClient { BaseAddress = app.Services.GetRequiredService<ListenerEndpoints>().Url(Listener.Admin) };
            await PostAsync(admin, "/api/v1/builtin-meters/kong_konnect_llm_tokens", "{}", cancellationToken);
            await PostAsync(admin, "/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"kong_konnect_llm_tokens"}""", cancellationToken);
            await PostAsync(admin, "/api/v1/features", """{"key":"support","name":"Support"}""", cancellationToken);
            await PostAsync(admin, "/api/v1/customers", """{"name":"Kong Air","key":"kong_air","usageAttribution":{"subjectKeys":["kong-air"]}}""", cancellationToken);
            await PostAsync(admin, "/api/v2/customers/kong_air/entitlements", """{"type":"boolean","featureKey":"support"}""", cancellationToken);
            await PostAsync(admin, "/api/v2/customers/kong_air/entitlements", """{"type":"metered","featureKey":"ai_token","usagePeriod":{"interval":"MONTH"},"isSoftLimit":false}""", cancellationToken);
            await PostAsync(admin, "/api/v2/customers/kong_air/entitlements/ai_token/grants", """{"amount":1000000000000,"priority":1,"effectiveAt":"2020-01-01T00:00:00Z","expiration":{"duration":"YEAR","count":100}}""", cancellationToken);

            var access = app.Services.GetRequiredService<IGatewayAccess>();
            var table = new Table("entitlement", "callers", "checks/s", "p50 µs", "p99 µs", "p99.9 µs", "refused");
            foreach (var (name, feature, worstCase) in new[] { ("boolean", "support", 0L), ("metered, hard limit", "ai_token", 1_100L) })
            {
                foreach (var callers in (int[])[1, 4])
                {
                    var (rate, latencies, refused) = await MeasureAsync(access, new AccessRequest(feature, "kong-air", null, worstCase), callers, duration, cancellationToken);
                    table.Add(name, callers.ToString(CultureInfo.InvariantCulture), Stats.Count(rate),
                        Micros(Stats.Percentile(latencies, 50)), Micros(Stats.Percentile(latencies, 99)), Micros(Stats.Percentile(latencies, 99.9)),
                        refused.ToString(CultureInfo.InvariantCulture));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"Each check is AdmitAsync + Settle (1,000 tokens settled against 1,100 held for the metered one), {duration.TotalSeconds:0} s per row after a 2 s warm-up.");
            Console.WriteLine();
            Console.Write(table);
            return 0;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            if (!keepData)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<(double Rate, double[] Latencies, long Refused)> MeasureAsync(IGatewayAccess access, AccessRequest request, int callers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var refused = 0L;
        async Task<List<double>> Caller(long until, bool keep)
        {
            var latencies = new List<double>(1 << 16);
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                var decision = await access.AdmitAsync(request, cancellationToken);
                decision.Settle(request.WorstCase == 0 ? 0 : request.WorstCase - 100);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                if (!decision.IsAdmitted)
                {
                    Interlocked.Increment(ref refused);
                }

                if (keep)
                {
                    latencies.Add(elapsed);
                }
            }

            return latencies;
        }

        var warmUntil = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => Caller(warmUntil, keep: false), cancellationToken)));
        refused = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => Caller(until, keep: true), cancellationToken)));
        var all = results.SelectMany(r => r).ToArray();
        Array.Sort(all);
        return (all.Length / duration.TotalSeconds, all, refused);
    }

    private static async Task PostAsync(HttpClient admin, string path, string json, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private static string Micros(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
