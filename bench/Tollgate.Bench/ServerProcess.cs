using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tollgate.Bench;

/// <summary>
/// The real Tollgate server as a separate process (<c>dotnet tollgate.dll serve</c>) on free loopback ports over
/// its own data directory. Benchmarks talk to it over HTTP only, as a client would.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServerProcess(Process process, Uri adminUrl, string dataDirectory, string? databaseUrl)
    {
        _process = process;
        AdminUrl = adminUrl;
        DataDirectory = dataDirectory;
        DatabaseUrl = databaseUrl;
    }

    /// <summary>Base address of the admin API, always on 127.0.0.1.</summary>
    public Uri AdminUrl { get; }

    public string DataDirectory { get; }

    /// <summary>The PostgreSQL store the server was started on (<c>--db</c>), or null for the embedded SQLite file.</summary>
    public string? DatabaseUrl { get; }

    public int Id => _process.Id;

    /// <summary>Time from process start until <c>/healthz</c> answered.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>User plus system CPU the server has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
        }
    }

    public long WorkingSetBytes
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? 0 : _process.WorkingSet64;
        }
    }

    /// <summary>Size of the SQLite file plus its WAL (the data directory; near empty on PostgreSQL).</summary>
    public long StoreBytes => Directory.EnumerateFiles(DataDirectory).Sum(f => new FileInfo(f).Length);

    /// <summary>
    /// Starts the server over <paramref name="dataDirectory"/>, on the shared PostgreSQL store at
    /// <paramref name="databaseUrl"/> (<c>--db</c>) when one is given, else on the embedded SQLite file there.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string serverDll, string dataDirectory, string? databaseUrl, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var ports = FreeLoopbackPorts(3);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            serverDll, "serve", "--data", dataDirectory,
            "--proxy-listen", $"127.0.0.1:{ports[0]}",
            "--admin-listen", $"127.0.0.1:{ports[1]}",
            "--console-listen", $"127.0.0.1:{ports[2]}"])
        {
            start.ArgumentList.Add(argument);
        }

        if (databaseUrl is not null)
        {
            start.ArgumentList.Add("--db");
            start.ArgumentList.Add(databaseUrl);
        }

        // The store is chosen by the arguments alone: a TOLLGATE_DATABASE_URL of the shell must not turn a SQLite run into a PostgreSQL one.
        start.Environment.Remove("TOLLGATE_DATABASE_URL");

        // Only loopback is ever targeted: keep any proxy settings of the shell out of the server's way.
        start.Environment.Remove("TOLLGATE_ADMIN_TOKEN");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{ports[1]}/"), dataDirectory, databaseUrl);
        process.OutputDataReceived += (_, e) => server.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => server.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = Http.CreateClient(1);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {process.ExitCode}:\n{server.Log()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(server.AdminUrl, "healthz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"the server did not answer /healthz within 2 minutes:\n{server.Log()}");
            }

            await Task.Delay(50, cancellationToken);
        }

        server.StartupTime = stopwatch.Elapsed;
        return server;
    }

    /// <summary>Asks the server to stop (SIGTERM: it drains the writer and closes the store), killing it if it does not.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public string Log()
    {
        lock (_lastLines)
        {
            return string.Join('\n', _lastLines);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    /// <summary>Ports the kernel hands out for 127.0.0.1, held together so they differ, then released for the server.</summary>
    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }
}

/// <summary>Where the repository and the published server are.</summary>
internal static class Repository
{
    /// <summary>The directory holding <c>Tollgate.slnx</c>, searched upwards from the working and the program directory.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The server to benchmark: <paramref name="explicitDll"/> when given, else <c>artifacts/tollgate/tollgate.dll</c>,
    /// published in Release first if it is missing or older than a source file (as the <c>./tollgate</c> script does).
    /// </summary>
    public static async Task<string> ServerDllAsync(string? explicitDll, bool build)
    {
        if (explicitDll is not null)
        {
            return File.Exists(explicitDll) ? Path.GetFullPath(explicitDll) : throw new FileNotFoundException("no server at " + explicitDll);
        }

        var output = Path.Combine(Root, "artifacts", "tollgate");
        var dll = Path.Combine(output, "tollgate.dll");
        if (build && (!File.Exists(dll) || IsStale(dll)))
        {
            await Console.Error.WriteLineAsync("bench: publishing the server (Release) to artifacts/tollgate ...");
            var publish = new ProcessStartInfo("dotnet") { UseShellExecute = false };
            foreach (var argument in (string[])["publish", Path.Combine(Root, "src", "Tollgate.Server", "Tollgate.Server.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "quiet", "-clp:ErrorsOnly"])
            {
                publish.ArgumentList.Add(argument);
            }

            using var process = Process.Start(publish) ?? throw new InvalidOperationException("could not run dotnet publish");
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet publish of the server failed");
            }

            File.SetLastWriteTimeUtc(dll, DateTime.UtcNow);
        }

        return File.Exists(dll) ? dll : throw new FileNotFoundException("the server is not published; run ./tollgate --help or drop --no-build", dll);
    }

    /// <summary>
    /// The commit the server is built from, and whether src/ has uncommitted changes, for the report; with
    /// <paramref name="explicitDll"/> (<c>--server</c>) only the repository's state, which that build need not match.
    /// </summary>
    public static string Source(bool explicitDll = false) => explicitDll ? $"built elsewhere, given with --server; the repository is at {RepositoryState()}" : RepositoryState();

    private static string RepositoryState()
    {
        static string Git(params string[] arguments)
        {
            var start = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-C");
            start.ArgumentList.Add(Root);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            try
            {
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                return process.ExitCode == 0 ? output : string.Empty;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return string.Empty;
            }
        }

        var commit = Git("rev-parse", "--short", "HEAD");
        if (commit.Length == 0)
        {
            return "unknown commit";
        }

        return Git("status", "--porcelain", "--", "src").Length == 0 ? $"commit {commit}" : $"commit {commit} with uncommitted changes in src/";
    }

    /// <summary>A fresh directory for a throw-away store, under the system temp directory.</summary>
    public static string NewDataDirectory(string label)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tollgate-bench", $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"bench: could not delete {directory}: {exception.Message}");
        }
    }

    private static bool IsStale(string dll)
    {
        var built = File.GetLastWriteTimeUtc(dll);
        var sources = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(Root, "Directory.Build.props"))
            .Append(Path.Combine(Root, "Directory.Packages.props"));
        return sources.Any(f => File.Exists(f) && File.GetLastWriteTimeUtc(f) > built);
    }

    private static string FindRoot()
    {
        foreach (var start in (string[])[Directory.GetCurrentDirectory(), AppContext.BaseDirectory])
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Tollgate.slnx")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("run the bench from inside the Tollgate repository (no Tollgate.slnx found above here)");
    }
}

/// <summary>HTTP clients for loopback benchmarking: no proxy, no decompression, a fixed number of connections.</summary>
internal static class Http
{
    public static HttpClient CreateClient(int connections) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
}
