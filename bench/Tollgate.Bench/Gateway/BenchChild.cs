using System.Diagnostics;
using System.Globalization;

namespace Tollgate.Bench.Gateway;

/// <summary>
/// A server of the gateway benchmark (the fake upstream, the YARP proxy) in a child process of its own, so its CPU is
/// its own: this benchmark's assembly run with a hidden command, which prints <c>listening PORT</c> once it serves
/// and stops when its standard input closes.
/// </summary>
internal sealed class BenchChild : IAsyncDisposable
{
    private const string Ready = "listening ";

    private readonly Process _process;

    private BenchChild(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Id => _process.Id;

    /// <summary>Starts <c>Tollgate.Bench <paramref name="command"/> <paramref name="arguments"/></c> and waits until it listens.</summary>
    public static async Task<BenchChild> StartAsync(string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(typeof(BenchChild).Assembly.Location);
        start.ArgumentList.Add(command);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command}");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"{command}: {e.Data}");
            }
        };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith(Ready, StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"{command} did not start: {line ?? "no output"}");
        }

        return new BenchChild(process, int.Parse(line[Ready.Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>The child's side: announces <paramref name="port"/>, then serves until standard input closes (the benchmark that started it ended) or SIGTERM.</summary>
    public static async Task ServeAsync(int port, CancellationToken cancellationToken)
    {
        Console.Out.WriteLine(Ready + port.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        var stdinClosed = Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        }, CancellationToken.None);
        await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Closing its standard input is the child's signal to stop.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }
}
