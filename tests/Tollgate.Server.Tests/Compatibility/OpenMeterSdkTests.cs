using System.Diagnostics;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Compatibility;

/// <summary>Drives a real Tollgate with the official OpenMeter JavaScript SDK (tests/compat/openmeter-sdk/compat.mjs).</summary>
public abstract class OpenMeterSdkTests(TestStore store)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_official_OpenMeter_SDK_gets_exact_OpenMeter_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Path.Combine(RepositoryRoot(), "tests", "compat", "openmeter-sdk");
        Assert.True(
            Directory.Exists(Path.Combine(folder, "node_modules", "@openmeter", "sdk")),
            $"The OpenMeter SDK is not installed in {folder}: run `npm ci --prefix tests/compat/openmeter-sdk` from the repository root.");

        await using var server = await store.StartAsync();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("compat.mjs");
        start.Environment["TOLLGATE_URL"] = server.AdminUrl.ToString();
        start.Environment["NO_COLOR"] = "1";

        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = node.StandardOutput.ReadToEndAsync(ct);
        var stderr = node.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"node compat.mjs did not finish within {Timeout.TotalSeconds:0} s.\n{await Output(stdout, stderr)}");
        }

        var output = await Output(stdout, stderr);
        Assert.True(node.ExitCode == 0, $"node compat.mjs exited with {node.ExitCode}.\n{output}");
        TestContext.Current.TestOutputHelper?.WriteLine(output);
    }

    private static async Task<string> Output(Task<string> stdout, Task<string> stderr) =>
        $"--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}";

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

public sealed class OpenMeterSdkTestsOnSqlite() : OpenMeterSdkTests(TestStore.Sqlite);

public sealed class OpenMeterSdkTestsOnPostgres() : OpenMeterSdkTests(TestStore.Postgres);
