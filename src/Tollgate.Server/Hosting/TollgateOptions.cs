using Tollgate.Metering.Ingest;

namespace Tollgate.Server.Hosting;

/// <summary>Everything <c>tollgate serve</c> is told on its command line or through <c>TOLLGATE_*</c> variables.</summary>
public sealed record TollgateOptions
{
    public string DataDirectory { get; init; } = "./data";

    /// <summary>The shared PostgreSQL store (URL or connection string); null for the embedded SQLite store.</summary>
    public string? DatabaseUrl { get; init; }

    public string ProxyListen { get; init; } = "127.0.0.1:8000";

    public string AdminListen { get; init; } = "127.0.0.1:8001";

    public string ConsoleListen { get; init; } = "127.0.0.1:8002";

    /// <summary>Bearer token the admin API and console require; mandatory when they listen beyond loopback.</summary>
    public string? AdminToken { get; init; }

    public IngestOptions Ingest { get; init; } = new();

    /// <summary>A decK file (format 3.0) applied before the listeners open, replacing the gateway config.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Least severe log level written to the console.</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;
}
