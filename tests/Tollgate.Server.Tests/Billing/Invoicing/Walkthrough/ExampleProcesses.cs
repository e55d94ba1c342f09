using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing.Invoicing.Walkthrough;

/// <summary>What a run of <c>examples/meter-llm-traffic/walkthrough.sh</c> printed, and how it ended.</summary>
internal sealed record ScriptRun(int ExitCode, string Output);

/// <summary>
/// Runs the files of <c>examples/meter-llm-traffic</c> as a newcomer would: the walkthrough script with bash, and the
/// fake OpenAI upstream with <c>dotnet run fake-openai.cs</c>.
/// </summary>
internal static class ExampleProcesses
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(2);

    public static string Folder => Path.Combine(RepositoryRoot(), "examples", "meter-llm-traffic");

    /// <summary>Runs the walkthrough against <paramref name="server"/>, calling <paramref name="upstreamUrl"/> through ai-proxy.</summary>
    public static async Task<ScriptRun> RunWalkthroughAsync(TollgateServer server, string upstreamUrl, int calls, string providerKey)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("walkthrough.sh");
        start.Environment["TOLLGATE_ADMIN"] = server.AdminUrl.ToString().TrimEnd('/');
        start.Environment["TOLLGATE_PROXY"] = server.ProxyUrl.ToString().TrimEnd('/');
        start.Environment["UPSTREAM_URL"] = upstreamUrl;
        start.Environment["OPENAI_API_KEY"] = providerKey;
        start.Environment["CALLS"] = calls.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("TOLLGATE_ADMIN_TOKEN");

        var ct = TestContext.Current.CancellationToken;
        using var bash = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = bash.StandardOutput.ReadToEndAsync(ct);
        var stderr = bash.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await bash.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            await bash.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"walkthrough.sh did not finish within {ScriptTimeout.TotalSeconds:0} s.\n{await Output(stdout, stderr)}");
        }

        var run = new ScriptRun(bash.ExitCode, await Output(stdout, stderr));
        TestContext.Current.TestOutputHelper?.WriteLine(run.Output);
        return run;
    }

    /// <summary>Starts <c>dotnet run fake-openai.cs -- --port N</c> on a free port and waits until it listens.</summary>
    public static async Task<FakeOpenAiProcess> StartFakeOpenAiAsync(TimeSpan startTimeout)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "run", "fake-openai.cs", "--", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet run did not start");
        var fake = new FakeOpenAiProcess(process, new Uri($"http://127.0.0.1:{port}/v1/chat/completions"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(startTimeout);
        try
        {
            await fake.Listening.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await fake.DisposeAsync();
            Assert.Fail($"dotnet run fake-openai.cs did not listen within {startTimeout.TotalSeconds:0} s.\n{fake.Output}");
        }

        return fake;
    }

    private static async Task<string> Output(Task<string> stdout, Task<string> stderr) =>
        $"--- walkthrough.sh stdout ---\n{await stdout}\n--- walkthrough.sh stderr ---\n{await stderr}";

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tollgate.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No directory above {AppContext.BaseDirectory} contains Tollgate.slnx.");
    }
}

/// <summary>The example's fake OpenAI upstream running in its own process; disposing kills it (and dotnet run's child).</summary>
internal sealed class FakeOpenAiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    public FakeOpenAiProcess(Process process, Uri chatCompletionsUrl)
    {
        _process = process;
        ChatCompletionsUrl = chatCompletionsUrl;
        process.OutputDataReceived += (_, line) => Record(line.Data, isStdout: true);
        process.ErrorDataReceived += (_, line) => Record(line.Data, isStdout: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Completes when the fake prints that it listens; fails when the process ends first.</summary>
    public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri ChatCompletionsUrl { get; }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }

    private void Record(string? line, bool isStdout)
    {
        if (line is null)
        {
            if (isStdout)
            {
                Listening.TrySetException(new InvalidOperationException("dotnet run fake-openai.cs ended:\n" + Output));
            }

            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }

        if (isStdout && line.StartsWith("fake OpenAI listening on", StringComparison.Ordinal))
        {
            Listening.TrySetResult();
        }
    }
}
