using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tollgate.Server.Tests.Infrastructure;

/// <summary>The real <c>tollgate</c> executable in its own process, for tests that kill it.</summary>
public sealed class TollgateProcess : IAsyncDisposable
{
    private readonly Process _process;

    private TollgateProcess(Process process, Uri adminUrl)
    {
        _process = process;
        AdminUrl = adminUrl;
        Admin = new HttpClient { BaseAddress = adminUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri AdminUrl { get; }

    public HttpClient Admin { get; }

    /// <summary>Starts <c>tollgate serve</c> on the data directory, or on the PostgreSQL store at <paramref name="databaseUrl"/>.</summary>
    public static async Task<TollgateProcess> StartAsync(string dataDirectory, string? databaseUrl = null)
    {
        var adminPort = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "tollgate.dll"), "serve", "--data", dataDirectory,
            "--admin-listen", $"127.0.0.1:{adminPort}", "--proxy-listen", $"127.0.0.1:{FreePort()}", "--console-listen", $"127.0.0.1:{FreePort()}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (databaseUrl is not null)
        {
            start.ArgumentList.Add("--db");
            start.ArgumentList.Add(databaseUrl);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("tollgate did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new TollgateProcess(process, new Uri($"http://127.0.0.1:{adminPort}/"));
        await server.WaitHealthyAsync();
        return server;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"tollgate exited with {(_process.HasExited ? _process.ExitCode : 0)} before it was healthy");
            try
            {
                using var response = await Admin.GetAsync("/healthz", TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("tollgate did not answer /healthz within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Admin.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
