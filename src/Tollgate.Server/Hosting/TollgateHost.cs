using System.Net;
using Tollgate.Billing;
using Tollgate.Gateway;
using Tollgate.Metering;
using Tollgate.Store;
using Tollgate.Store.Counters;
using Tollgate.WebConsole;

namespace Tollgate.Server.Hosting;

/// <summary>Builds the one Tollgate process: store, modules and the proxy, admin and console listeners.</summary>
public static class TollgateHost
{
    /// <summary>
    /// Opens the store (migrating it), wires the modules and binds the listeners. Nothing listens until the
    /// returned app is started, and by then the store is ready, so <c>/healthz</c> answering means ready.
    /// </summary>
    public static WebApplication Build(TollgateOptions options, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var proxy = ListenerEndpoints.Parse(options.ProxyListen, "--proxy-listen");
        var admin = ListenerEndpoints.Parse(options.AdminListen, "--admin-listen");
        var console = ListenerEndpoints.Parse(options.ConsoleListen, "--console-listen");
        if (options.AdminToken is null && (!IPAddress.IsLoopback(admin.Address) || !IPAddress.IsLoopback(console.Address)))
        {
            throw new ArgumentException("--admin-token (or TOLLGATE_ADMIN_TOKEN) is required when the admin API or console listens beyond loopback");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(TollgateHost).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The console's keys live in the store, unencrypted like the rest of it; the warning that says so is noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);

        // The console's scripts and styles: from the publish output's wwwroot, or from their projects in a build.
        builder.WebHost.UseStaticWebAssets();
        var endpoints = new ListenerEndpoints();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Bind(kestrel, proxy, Listener.Proxy, endpoints);
            Bind(kestrel, admin, Listener.Admin, endpoints);
            Bind(kestrel, console, Listener.Console, endpoints);
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(endpoints);
        AddStore(services, options);
        services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions.Remove("traceId");
        });
        services.AddMetering(options.Ingest, Provider(options));
        services.AddSharedCounters(Provider(options));
        services.AddGateway(Provider(options), options.DataDirectory);
        services.AddBilling(Provider(options));
        services.AddConsole(options.AdminToken, Provider(options));
        configure?.Invoke(services);

        var app = builder.Build();
        MigrateStore(app.Services, options);
        if (options.ConfigFile is { } file)
        {
            ApplyConfigFile(app.Services, file);
        }

        app.Lifetime.ApplicationStopped.Register(SqliteStore.CloseAll);

        app.UseGatewayProxy(http => ListenerMatcherPolicy.Of(http) == Listener.Proxy);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        if (options.AdminToken is not null)
        {
            // The token is checked by the console's session, which holds it.
            app.UseMiddleware<AdminTokenMiddleware>();
        }

        var adminApi = app.MapGroup(string.Empty).OnListener(Listener.Admin);
        adminApi.MapGet("/healthz", () => TypedResults.Ok(new Health("ok"))).WithName("health");
        adminApi.MapMeteringApi();
        adminApi.MapGatewayAdminApi();
        adminApi.MapBillingApi();
        adminApi.MapFallback(() => TypedResults.Problem(detail: "no such admin endpoint", statusCode: StatusCodes.Status404NotFound, title: "Not Found"));

        app.UseAntiforgery();
        // One group, so that everything the console maps (its pages, the circuit's hub, the static assets and, in a
        // build, their development fallback) answers on the console listener only.
        var consoleUi = app.MapGroup(string.Empty).OnListener(Listener.Console);
        consoleUi.MapStaticAssets();
        consoleUi.MapConsole();

        return app;
    }

    /// <summary>Creates or upgrades the configured store's schema and returns (<c>tollgate migrate</c>).</summary>
    public static void Migrate(TollgateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var services = new ServiceCollection().AddLogging(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        services.AddSingleton(TimeProvider.System);
        AddStore(services, options);
        using var provider = services.BuildServiceProvider();
        MigrateStore(provider, options);
        SqliteStore.CloseAll();
    }

    /// <summary>
    /// <c>tollgate config validate|apply|dump</c>: checks a decK file, applies it to the store (a running server
    /// picks it up within a second), or writes the stored config as one. Returns the process exit code.
    /// </summary>
    public static async Task<int> ConfigAsync(TollgateOptions options, string action, string file, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (action == "validate")
        {
            var parsed = Tollgate.Gateway.Declarative.DeclarativeConfig.Parse(await ReadFileAsync(file), Tollgate.Gateway.Entities.GatewayConfig.Empty, Environment.GetEnvironmentVariable, TimeProvider.System);
            return await ReportAsync(parsed.Config, parsed.Errors, "valid", output, error);
        }

        var services = new ServiceCollection().AddLogging(logging => logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(TimeProvider.System);
        AddStore(services, options);
        services.AddGatewayConfig(Provider(options));
        await using var provider = services.BuildServiceProvider();
        MigrateStore(provider, options);
        var config = provider.GetRequiredService<Tollgate.Gateway.Routing.GatewayConfigService>();
        try
        {
            if (action == "dump")
            {
                await config.RefreshAsync(CancellationToken.None);
                var yaml = Tollgate.Gateway.Declarative.DeclarativeConfig.Dump(config.Current);
                if (file == "-")
                {
                    await output.WriteAsync(yaml);
                }
                else
                {
                    await File.WriteAllTextAsync(file, yaml);
                }

                return 0;
            }

            try
            {
                var applied = await config.ApplyDeclarativeAsync(await ReadFileAsync(file), Environment.GetEnvironmentVariable, TimeProvider.System, CancellationToken.None);
                return await ReportAsync(applied, [], $"applied (config version {applied.Version})", output, error);
            }
            catch (Tollgate.Gateway.Storage.GatewayConfigException rejection)
            {
                return await ReportAsync(null, rejection.Errors, string.Empty, output, error);
            }
        }
        finally
        {
            SqliteStore.CloseAll();
        }
    }

    private static async Task<string> ReadFileAsync(string file) =>
        file == "-" ? await Console.In.ReadToEndAsync() : await File.ReadAllTextAsync(file);

    private static async Task<int> ReportAsync(Tollgate.Gateway.Entities.GatewayConfig? config, IReadOnlyList<Tollgate.Gateway.Entities.ConfigError> errors, string verdict, TextWriter output, TextWriter error)
    {
        if (config is null)
        {
            foreach (var problem in errors)
            {
                await error.WriteLineAsync(problem.ToString());
            }

            await error.WriteLineAsync($"tollgate: the file is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}); nothing was changed");
            return 1;
        }

        await output.WriteLineAsync($"{verdict}: {config.Services.Length} services, {config.Routes.Length} routes, {config.Consumers.Length} consumers, {config.KeyAuthCredentials.Length} key-auth credentials, {config.ConsumerGroups.Length} consumer groups, {config.Plugins.Length} plugins");
        return 0;
    }

    private static void ApplyConfigFile(IServiceProvider services, string file)
    {
        var config = services.GetRequiredService<Tollgate.Gateway.Routing.GatewayConfigService>();
        try
        {
            config.ApplyDeclarativeAsync(File.ReadAllText(file), Environment.GetEnvironmentVariable, services.GetRequiredService<TimeProvider>(), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Tollgate.Gateway.Storage.GatewayConfigException rejection)
        {
            throw new ArgumentException($"--config {file} is invalid, nothing was applied:{Environment.NewLine}{string.Join(Environment.NewLine, rejection.Errors)}", rejection);
        }
        catch (IOException exception)
        {
            throw new ArgumentException($"--config {file} cannot be read: {exception.Message}", exception);
        }
    }

    private static void AddStore(IServiceCollection services, TollgateOptions options)
    {
        if (options.DatabaseUrl is { } url)
        {
            // Refuse a malformed URL before anything starts.
            _ = Tollgate.Store.Postgres.PostgresUrl.ToConnectionString(url);
            services.AddSingleton(new Tollgate.Store.Postgres.PostgresOptions(url));
            services.AddSingleton<Tollgate.Store.Postgres.PostgresStore>();
        }
        else
        {
            services.AddSingleton(new StoreOptions { DataDirectory = options.DataDirectory });
            services.AddSingleton<SqliteStore>();
        }
    }

    private static StoreProvider Provider(TollgateOptions options) => options.DatabaseUrl is null ? StoreProvider.Sqlite : StoreProvider.Postgres;

    private static void MigrateStore(IServiceProvider services, TollgateOptions options)
    {
        if (options.DatabaseUrl is null)
        {
            services.GetRequiredService<SqliteStore>().Migrate([.. MeteringModule.SqliteMigrations, .. CountersModule.Migrations(StoreProvider.Sqlite), .. GatewayModule.Migrations(StoreProvider.Sqlite), .. BillingModule.Migrations(StoreProvider.Sqlite), .. ConsoleModule.Migrations(StoreProvider.Sqlite)]);
        }
        else
        {
            services.GetRequiredService<Tollgate.Store.Postgres.PostgresStore>().Migrate([.. MeteringModule.PostgresMigrations, .. CountersModule.Migrations(StoreProvider.Postgres), .. GatewayModule.Migrations(StoreProvider.Postgres), .. BillingModule.Migrations(StoreProvider.Postgres), .. ConsoleModule.Migrations(StoreProvider.Postgres)]);
        }
    }

    private static void Bind(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, IPEndPoint endpoint, Listener listener, ListenerEndpoints endpoints) =>
        kestrel.Listen(endpoint, listen =>
        {
            listen.Use(next => connection =>
            {
                connection.Items[ListenerMatcherPolicy.ItemKey] = listener;
                return next(connection);
            });
            endpoints.Add(listener, listen);
        });
}

/// <summary>The body of <c>/healthz</c>.</summary>
public sealed record Health(string Status);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Health))]
internal sealed partial class HostJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
