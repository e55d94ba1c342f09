using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// The .NET floor: YARP's direct forwarder as a plain reverse proxy to the upstream, nothing else (no key-auth, no
/// body rewrite, no metering). What any Kestrel-and-HttpClient proxy pays on this machine, so Tollgate's added
/// latency splits into the platform's share and Tollgate's own work.
/// </summary>
internal static class YarpProxy
{
    /// <summary>The hidden command that runs the proxy in a child process of its own.</summary>
    public const string Command = "gateway-yarp";

    /// <summary>
    /// The child's environment: server GC, as Tollgate has (the Web SDK's default) and this benchmark's own process has
    /// not, plus the server's runtime settings (<c>--server-env</c>), so the floor runs like for like.
    /// </summary>
    public static Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> server)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = "1" };
        foreach (var (name, value) in server)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>The hidden <c>gateway-yarp</c> command: forwards every request on a free port of 127.0.0.1 to the upstream on <paramref name="upstreamPort"/>.</summary>
    public static async Task<int> RunAsync(int upstreamPort, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddHttpForwarder();
        await using var app = builder.Build();
        app.MapForwarder("/{**catch-all}", $"http://127.0.0.1:{upstreamPort}/");
        await app.StartAsync(cancellationToken);
        await BenchChild.ServeAsync(new Uri(app.Urls.First()).Port, cancellationToken);
        await app.StopAsync(CancellationToken.None);
        return 0;
    }
}
