using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Console;

/// <summary>
/// A person at the console: a browser page on a server's console listener. <see cref="StepAsync"/> keeps a
/// screenshot of each step under <c>TestResults/console/&lt;test&gt;/</c> (the CI artefacts), and a last one of where the
/// test ended (for a failed test, where it stopped). Elements are found by role and label, as a person finds them.
/// </summary>
public sealed partial class ConsoleBrowser : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly string _screenshots;
    private int _step;

    private ConsoleBrowser(IBrowserContext context, IPage page, Uri baseUrl, string screenshots)
    {
        _context = context;
        Page = page;
        BaseUrl = baseUrl;
        _screenshots = screenshots;
    }

    public IPage Page { get; }

    public Uri BaseUrl { get; }

    /// <summary>Opens a browser context on <paramref name="server"/>'s console, laptop-sized unless told otherwise.</summary>
    public static Task<ConsoleBrowser> OpenAsync(Chromium chromium, TollgateServer server, int width = 1280, int height = 900) =>
        OpenAsync(chromium, server.ConsoleUrl, width, height);

    public static async Task<ConsoleBrowser> OpenAsync(Chromium chromium, Uri consoleUrl, int width = 1280, int height = 900)
    {
        ArgumentNullException.ThrowIfNull(chromium);
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = consoleUrl.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var test = TestContext.Current.Test;
        var name = test is null ? "unnamed" : $"{test.TestCase.TestClassName?.Split('.')[^1]}/{Safe(test.TestCase.TestMethod?.MethodName ?? test.TestDisplayName)}";
        return new ConsoleBrowser(context, page, consoleUrl, Path.Combine(ArtifactsDirectory(), name));
    }

    /// <summary>Goes to a console address and waits until the page is live (its heading shows once the circuit is up).</summary>
    public async Task GoToAsync(string path)
    {
        await Page.GotoAsync(path.TrimStart('/'));
        await Assertions.Expect(Page.Locator("h1")).ToBeVisibleAsync();
    }

    /// <summary>A screenshot of the page as it is now, numbered in the order the test took them.</summary>
    public async Task StepAsync(string name)
    {
        Directory.CreateDirectory(_screenshots);
        _step++;
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, $"{_step:00}-{Safe(name)}.png"), FullPage = true });
    }

    public ILocator Button(string name) => Page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public ILocator Link(string name) => Page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    public ILocator Tab(string name) => Page.GetByRole(AriaRole.Tab, new() { Name = name, Exact = true });

    public ILocator Field(string label) => Page.GetByLabel(label, new() { Exact = true });

    public ILocator Heading(string name) => Page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true });

    /// <summary>The sidebar's link (the main navigation).</summary>
    public ILocator Sidebar(string name) => Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    /// <summary>Follows a sidebar link as a person would: at phone width the sidebar is behind the Menu button first.</summary>
    public async Task NavigateAsync(string link)
    {
        var menu = Button("Menu");
        if (await menu.IsVisibleAsync() && await menu.GetAttributeAsync("aria-expanded") != "true")
        {
            await menu.ClickAsync();
        }

        await Sidebar(link).ClickAsync();
    }

    /// <summary>Keeps a last screenshot of where the test ended: for a failed test, where it stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StepAsync("end");
        }
        catch (PlaywrightException)
        {
        }

        await _context.DisposeAsync();
    }

    /// <summary><c>TestResults/console</c> at the repository's root (beside <c>Tollgate.slnx</c>), or beside the tests.</summary>
    private static string ArtifactsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tollgate.slnx")))
            {
                return Path.Combine(directory.FullName, "TestResults", "console");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults", "console");
    }

    private static string Safe(string name) => Unsafe().Replace(name, "-").Trim('-').ToLowerInvariant();

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex Unsafe();
}
