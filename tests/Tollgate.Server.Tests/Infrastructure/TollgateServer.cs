using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Metering.Ingest;
using Tollgate.Server.Hosting;

namespace Tollgate.Server.Tests.Infrastructure;

/// <summary>A real Tollgate on loopback port 0 over a real SQLite file in its own temporary directory.</summary>
public sealed class TollgateServer : IAsyncDisposable
{
    private TollgateServer(WebApplication app, string dataDirectory, bool ownsDirectory, string? databaseUrl)
    {
        App = app;
        DataDirectory = dataDirectory;
        DatabaseUrl = databaseUrl;
        OwnsDirectory = ownsDirectory;
        var endpoints = app.Services.GetRequiredService<ListenerEndpoints>();
        AdminUrl = endpoints.Url(Listener.Admin);
        ProxyUrl = endpoints.Url(Listener.Proxy);
        ConsoleUrl = endpoints.Url(Listener.Console);
        Admin = new HttpClient { BaseAddress = AdminUrl };
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    /// <summary>The PostgreSQL store (with its own schema) when the test runs on PostgreSQL; null on SQLite.</summary>
    public string? DatabaseUrl { get; }

    private bool OwnsDirectory { get; }

    public Uri AdminUrl { get; }

    public Uri ProxyUrl { get; }

    public Uri ConsoleUrl { get; }

    /// <summary>A client for the admin listener.</summary>
    public HttpClient Admin { get; }

    /// <summary>A server on SQLite, or on the PostgreSQL store at <paramref name="databaseUrl"/>; see <see cref="TestStore"/>.</summary>
    public static async Task<TollgateServer> StartAsync(string? dataDirectory = null, IngestOptions? ingest = null, string? adminToken = null, TimeProvider? time = null, string? databaseUrl = null, string? configFile = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        var app = TollgateHost.Build(new TollgateOptions
        {
            DataDirectory = dataDirectory,
            DatabaseUrl = databaseUrl,
            ProxyListen = "127.0.0.1:0",
            AdminListen = "127.0.0.1:0",
            ConsoleListen = "127.0.0.1:0",
            AdminToken = adminToken,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Ingest = ingest ?? new IngestOptions(),
            ConfigFile = configFile,
        }, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TollgateServer(app, dataDirectory, owns, databaseUrl);
    }

    public static string NewDataDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tollgate-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Stops gracefully and starts a new server over the same data directory.</summary>
    public async Task<TollgateServer> RestartAsync(TimeProvider? time = null)
    {
        await StopAsync();
        return await StartAsync(DataDirectory, time: time, databaseUrl: DatabaseUrl);
    }

    public async Task StopAsync()
    {
        Admin.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, string contentType = "application/json") =>
        Admin.PostAsync(path, new StringContent(json, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)), TestContext.Current.CancellationToken);

    public Task<HttpResponseMessage> GetAsync(string path) => Admin.GetAsync(path, TestContext.Current.CancellationToken);

    public async Task<string> GetStringAsync(string path)
    {
        using var response = await GetAsync(path);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>One value from the store itself (<c>@name</c> parameters), for checks that look at rows directly.</summary>
    public async Task<long> CountAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = TestStore.Open(DataDirectory, DatabaseUrl);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped by the test.
        }

        if (OwnsDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
