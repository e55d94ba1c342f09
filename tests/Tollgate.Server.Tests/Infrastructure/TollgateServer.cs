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
    private TollgateServer(WebApplication app, string dataDirectory, bool ownsDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
        OwnsDirectory = ownsDirectory;
        var endpoints = app.Services.GetRequiredService<ListenerEndpoints>();
        AdminUrl = endpoints.Url(Listener.Admin);
        ProxyUrl = endpoints.Url(Listener.Proxy);
        ConsoleUrl = endpoints.Url(Listener.Console);
        Admin = new HttpClient { BaseAddress = AdminUrl };
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    private bool OwnsDirectory { get; }

    public Uri AdminUrl { get; }

    public Uri ProxyUrl { get; }

    public Uri ConsoleUrl { get; }

    /// <summary>A client for the admin listener.</summary>
    public HttpClient Admin { get; }

    public static async Task<TollgateServer> StartAsync(string? dataDirectory = null, IngestOptions? ingest = null, string? adminToken = null, TimeProvider? time = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        var app = TollgateHost.Build(new TollgateOptions
        {
            DataDirectory = dataDirectory,
            ProxyListen = "127.0.0.1:0",
            AdminListen = "127.0.0.1:0",
            ConsoleListen = "127.0.0.1:0",
            AdminToken = adminToken,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Ingest = ingest ?? new IngestOptions(),
        }, services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TollgateServer(app, dataDirectory, owns);
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
        return await StartAsync(DataDirectory, time: time);
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
