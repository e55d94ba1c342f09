using System.CommandLine;
using Tollgate.Metering.Ingest;
using Tollgate.Server.Hosting;

namespace Tollgate.Server.Cli;

/// <summary>The <c>tollgate</c> command line. Every option of <c>serve</c> also reads a <c>TOLLGATE_*</c> variable.</summary>
internal static class TollgateCommand
{
    public static RootCommand Create()
    {
        var data = Option("--data", "TOLLGATE_DATA", "./data", "Directory of the embedded SQLite store; created on first start.");
        var proxyListen = Option("--proxy-listen", "TOLLGATE_PROXY_LISTEN", "127.0.0.1:8000", "Address of the LLM/API proxy (host:port, :port for all interfaces).");
        var adminListen = Option("--admin-listen", "TOLLGATE_ADMIN_LISTEN", "127.0.0.1:8001", "Address of the admin API (OpenMeter v1 metering API, /healthz).");
        var consoleListen = Option("--console-listen", "TOLLGATE_CONSOLE_LISTEN", "127.0.0.1:8002", "Address of the web console.");
        var adminToken = new Option<string?>("--admin-token")
        {
            Description = "Bearer token for the admin API and console; required when they listen beyond loopback. [env: TOLLGATE_ADMIN_TOKEN]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TOLLGATE_ADMIN_TOKEN"),
        };
        var database = new Option<string?>("--db")
        {
            Description = "Shared PostgreSQL store (postgres://user:password@host:port/database?schema=name) instead of the embedded one; several nodes may share it. [env: TOLLGATE_DATABASE_URL]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TOLLGATE_DATABASE_URL"),
        };
        var retention = new Option<int?>("--event-retention-months")
        {
            Description = "With --db: months of raw events kept before their monthly partition is detached for archiving (default: kept for ever); meter queries keep answering from rollups. [env: TOLLGATE_EVENT_RETENTION_MONTHS]",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("TOLLGATE_EVENT_RETENTION_MONTHS"), System.Globalization.CultureInfo.InvariantCulture, out var months) ? months : null,
        };
        var queueCapacity = new Option<int>("--ingest-queue")
        {
            Description = "Ingest requests that may wait for the writer before ingest answers 503. [env: TOLLGATE_INGEST_QUEUE]",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("TOLLGATE_INGEST_QUEUE"), System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : new IngestOptions().QueueCapacity,
        };

        var configFile = new Option<string?>("--config")
        {
            Description = "A decK declarative config (format 3.0, YAML or JSON; ${{ env \"DECK_X\" }} substituted) applied before serving; it replaces the gateway config. [env: TOLLGATE_CONFIG]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TOLLGATE_CONFIG"),
        };
        var serve = new Command("serve", "Run Tollgate: proxy, admin API and console in one process, on the embedded store or a shared PostgreSQL.")
        {
            data, database, retention, proxyListen, adminListen, consoleListen, adminToken, queueCapacity, configFile,
        };
        serve.SetAction(async (result, cancellationToken) =>
        {
            var options = new TollgateOptions
            {
                DataDirectory = result.GetValue(data)!,
                DatabaseUrl = string.IsNullOrEmpty(result.GetValue(database)) ? null : result.GetValue(database),
                ProxyListen = result.GetValue(proxyListen)!,
                AdminListen = result.GetValue(adminListen)!,
                ConsoleListen = result.GetValue(consoleListen)!,
                AdminToken = string.IsNullOrEmpty(result.GetValue(adminToken)) ? null : result.GetValue(adminToken),
                Ingest = new IngestOptions { QueueCapacity = result.GetValue(queueCapacity), EventRetentionMonths = result.GetValue(retention) },
                ConfigFile = string.IsNullOrEmpty(result.GetValue(configFile)) ? null : result.GetValue(configFile),
            };

            WebApplication app;
            try
            {
                app = TollgateHost.Build(options);
            }
            catch (ArgumentException exception)
            {
                await Console.Error.WriteLineAsync("tollgate: " + exception.Message);
                return 2;
            }

            // The host handles SIGTERM and Ctrl-C itself: it stops accepting, lets the writer commit what was
            // acknowledged, then closes the store.
            await app.RunAsync();
            return 0;
        });

        var migrate = new Command("migrate", "Create or upgrade the store's schema, then exit (serve also does this on start).") { data, database };
        migrate.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                TollgateHost.Migrate(new TollgateOptions
                {
                    DataDirectory = result.GetValue(data)!,
                    DatabaseUrl = string.IsNullOrEmpty(result.GetValue(database)) ? null : result.GetValue(database),
                });
            }
            catch (ArgumentException exception)
            {
                await Console.Error.WriteLineAsync("tollgate: " + exception.Message);
                return 2;
            }

            return 0;
        });

        var config = new Command("config", "The gateway's declarative config (decK format 3.0): validate a file, apply it to the store, or dump the store's config.");
        foreach (var (action, description) in (ReadOnlySpan<(string, string)>)[
            ("validate", "Check a decK file offline; exit 1 listing every problem (entity and field)."),
            ("apply", "Replace the gateway config with a decK file, atomically: an invalid file changes nothing. Running nodes pick it up within a second."),
            ("dump", "Write the stored gateway config as a decK file (- for standard output).")])
        {
            var file = new Argument<string>("FILE") { Description = "The file; - for standard input or output." };
            var command = new Command(action, description) { file, data, database };
            command.SetAction(async (result, cancellationToken) =>
            {
                try
                {
                    return await TollgateHost.ConfigAsync(
                        new TollgateOptions
                        {
                            DataDirectory = result.GetValue(data)!,
                            DatabaseUrl = string.IsNullOrEmpty(result.GetValue(database)) ? null : result.GetValue(database),
                        },
                        action, result.GetValue(file)!, Console.Out, Console.Error);
                }
                catch (Exception exception) when (exception is ArgumentException or IOException)
                {
                    await Console.Error.WriteLineAsync("tollgate: " + exception.Message);
                    return 2;
                }
            });
            config.Subcommands.Add(command);
        }

        return new RootCommand("Tollgate: an AI gateway with metering and billing built in.") { serve, migrate, config };
    }

    private static Option<string> Option(string name, string variable, string fallback, string description) => new(name)
    {
        Description = $"{description} [env: {variable}]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : fallback,
    };
}
