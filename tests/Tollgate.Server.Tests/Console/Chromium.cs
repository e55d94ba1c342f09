using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Tollgate.Server.Tests.Console.Chromium))]

namespace Tollgate.Server.Tests.Console;

/// <summary>
/// Debian's Chromium (<c>apt-get install chromium</c>), driven headless by Playwright; one browser for the whole test
/// run, a fresh context (cookies, storage) per test. <c>TOLLGATE_CHROMIUM</c> points elsewhere if needed; no browser
/// is ever downloaded.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("TOLLGATE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"the console's browser tests need Chromium at {ExecutablePath}: apt-get install chromium (or set TOLLGATE_CHROMIUM)");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
