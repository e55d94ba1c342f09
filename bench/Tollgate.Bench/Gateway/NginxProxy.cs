using System.Diagnostics;
using System.Globalization;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// nginx as the reference proxy: a plain <c>proxy_pass</c> to the upstream with keepalive connections both ways,
/// access log off, from a config generated in a temporary directory, run in the foreground as a child process.
/// </summary>
internal sealed class NginxProxy : IAsyncDisposable
{
    public const string DefaultBinary = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _directory;
    private readonly bool _keep;

    private NginxProxy(Process process, string directory, int port, bool keep)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _keep = keep;
    }

    public int Port { get; }

    public int MasterId => _process.Id;

    /// <summary>The master and its workers, found once nginx is up.</summary>
    public IReadOnlyList<int> ProcessIds { get; private set; } = [];

    public string Version { get; private set; } = "nginx";

    /// <summary>How to get nginx, for when <paramref name="binary"/> is missing.</summary>
    public static string InstallHint(string binary) =>
        $"nginx not found at {binary}: install it (Debian/Ubuntu: `sudo apt-get install -y nginx-light`, or `nginx`) or point --nginx at it; the nginx column is skipped";

    /// <summary>The generated configuration: keepalive to the upstream, HTTP/1.1 without <c>Connection: close</c>, no access log, no buffering (streams pass as they come).</summary>
    public static string Config(string directory, int listenPort, int upstreamPort, string workers) => $$"""
        worker_processes {{workers}};
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log warn;

        events {
            worker_connections 4096;
        }

        http {
            access_log off;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            keepalive_requests 1000000;
            keepalive_timeout 300s;

            upstream llm {
                server 127.0.0.1:{{upstreamPort}};
                keepalive 64;
                keepalive_requests 1000000;
                keepalive_timeout 300s;
            }

            server {
                listen 127.0.0.1:{{listenPort}};
                location / {
                    proxy_pass http://llm;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_buffering off;
                }
            }
        }

        """;

    public static async Task<NginxProxy> StartAsync(string binary, int upstreamPort, string workers, bool keepDirectory, CancellationToken cancellationToken)
    {
        var directory = Repository.NewDataDirectory("nginx");
        var port = Loopback.FreePort();
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(directory, port, upstreamPort, workers), cancellationToken);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-p", directory, "-c", config, "-e", Path.Combine(directory, "error.log"), "-g", "daemon off;"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start nginx");
        var output = new List<string>();
        void Remember(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.Add(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var nginx = new NginxProxy(process, directory, port, keepDirectory);
        if (!await Loopback.WaitListeningAsync(port, TimeSpan.FromSeconds(15), () => process.HasExited, cancellationToken))
        {
            await nginx.DisposeAsync();
            string log;
            lock (output)
            {
                log = string.Join('\n', output);
            }

            throw new InvalidOperationException($"nginx did not start listening:\n{log}");
        }

        // The workers are forked right after the listen sockets are open; give them a moment to appear.
        for (var i = 0; i < 40 && CpuMeter.Children(process.Id).Count == 0; i++)
        {
            await Task.Delay(25, cancellationToken);
        }

        nginx.ProcessIds = [process.Id, .. CpuMeter.Children(process.Id)];
        nginx.Version = await VersionAsync(binary);
        return nginx;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM to the master we started: it stops its workers and exits.
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        if (!_keep)
        {
            Repository.DeleteDirectory(_directory);
        }
    }

    /// <summary><c>nginx -v</c> (printed on standard error), e.g. <c>nginx/1.22.1</c>.</summary>
    private static async Task<string> VersionAsync(string binary)
    {
        var start = new ProcessStartInfo(binary, ["-v"]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start);
        if (process is null)
        {
            return "nginx";
        }

        var text = (await process.StandardError.ReadToEndAsync()) + (await process.StandardOutput.ReadToEndAsync());
        await process.WaitForExitAsync();
        var at = text.IndexOf("nginx/", StringComparison.Ordinal);
        return at < 0 ? "nginx" : text[at..].Trim();
    }
}
