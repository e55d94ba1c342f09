using System.Net;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console;

/// <summary>The console's frame: served by <c>serve</c> on its own listener, the sidebar, phone widths, and sign-in with the admin token.</summary>
public sealed class ShellTests(Chromium chromium)
{
    [Fact]
    public async Task The_sidebar_leads_to_every_section()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("/");
        await Expect(console.Heading("Overview")).ToBeVisibleAsync();
        await console.StepAsync("overview");

        foreach (var (link, heading) in new[] { ("Services", "Services"), ("Consumers", "Consumers"), ("Metering & Billing", "Metering & Billing") })
        {
            await console.Sidebar(link).ClickAsync();
            await Expect(console.Heading(heading)).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task At_phone_width_the_sidebar_folds_into_a_menu()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server, width: 390, height: 844);
        await console.GoToAsync("/");
        var menu = console.Button("Menu");
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(console.Sidebar("Services")).ToBeHiddenAsync();

        await menu.ClickAsync();
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await console.StepAsync("menu-open");
        await console.Sidebar("Consumers").ClickAsync();
        await Expect(console.Heading("Consumers")).ToBeVisibleAsync();
        await Expect(console.Sidebar("Services")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_console_answers_only_on_its_own_listener()
    {
        await using var server = await TollgateServer.StartAsync();
        using var http = new HttpClient();
        async Task<HttpStatusCode> StatusAsync(Uri listener, string path, HttpMethod? method = null)
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(listener, path)), TestContext.Current.CancellationToken);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server.ConsoleUrl, "metering/billing"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server.ConsoleUrl, "_framework/blazor.web.js"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(server.ConsoleUrl, "api/v1/meters"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(server.ConsoleUrl, "services"));

        // Neither the pages, nor their scripts, nor the circuit's hub answer on the admin or proxy listener.
        foreach (var other in new[] { server.AdminUrl, server.ProxyUrl })
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, "metering/billing"));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, "_framework/blazor.web.js"));
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(other, "_blazor/negotiate?negotiateVersion=1", HttpMethod.Post));
        }
    }

    [Fact]
    public async Task The_keyboard_reaches_everything_from_the_page_heading_on()
    {
        await using var server = await TollgateServer.StartAsync();
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("/");

        // A page puts the focus on its heading; the first stop in the tab order is the skip link to the content.
        await Expect(console.Heading("Overview")).ToBeFocusedAsync();
        Assert.Equal("Skip to content", await console.Page.EvaluateAsync<string>(
            "() => document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex=\"-1\"])').textContent"));

        // Back from the heading into the sidebar, then follow a link with Enter.
        var consumers = console.Sidebar("Consumers");
        for (var presses = 0; presses < 12 && !await consumers.EvaluateAsync<bool>("e => e === document.activeElement"); presses++)
        {
            await console.Page.Keyboard.PressAsync("Shift+Tab");
        }

        await Expect(consumers).ToBeFocusedAsync();
        await console.Page.Keyboard.PressAsync("Enter");
        await Expect(console.Heading("Consumers")).ToBeFocusedAsync();

        // At phone width the menu opens from the keyboard too.
        await console.Page.SetViewportSizeAsync(390, 844);
        await console.Button("Menu").FocusAsync();
        await console.Page.Keyboard.PressAsync("Enter");
        await Expect(console.Button("Menu")).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(console.Sidebar("Services")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_sign_in_survives_a_restart_because_the_session_keys_are_in_the_store()
    {
        await using var first = await TollgateServer.StartAsync(adminToken: "console-secret");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, first);
        await SignInAsync(console);

        // The same data directory, a new process's worth of services and a new port: the cookie still opens the console.
        await first.StopAsync();
        await using var restarted = await TollgateServer.StartAsync(first.DataDirectory, adminToken: "console-secret");
        await console.Page.GotoAsync(new Uri(restarted.ConsoleUrl, "gateway/consumers").ToString());
        await Expect(console.Heading("Consumers")).ToBeVisibleAsync();
        await console.StepAsync("still-signed-in");
        Assert.Equal(1, await restarted.CountAsync("SELECT COUNT(*) FROM console_keys"));
    }

    [Fact]
    public async Task Nodes_on_one_PostgreSQL_accept_each_others_sign_in()
    {
        var database = TestStore.Postgres.NewDatabaseUrl();
        await using var a = await TollgateServer.StartAsync(adminToken: "console-secret", databaseUrl: database);
        await using var b = await TollgateServer.StartAsync(adminToken: "console-secret", databaseUrl: database);
        await using var console = await ConsoleBrowser.OpenAsync(chromium, a);
        await SignInAsync(console);

        await console.Page.GotoAsync(new Uri(b.ConsoleUrl, "metering/billing").ToString());
        await Expect(console.Heading("Billing")).ToBeVisibleAsync();
        await console.StepAsync("signed-in-on-the-other-node");
    }

    private static async Task SignInAsync(ConsoleBrowser console)
    {
        await console.Page.GotoAsync("login");
        await console.Field("Admin token").FillAsync("console-secret");
        await console.Button("Sign in").ClickAsync();
        await Expect(console.Heading("Overview")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task With_an_admin_token_the_console_asks_for_it_first()
    {
        await using var server = await TollgateServer.StartAsync(adminToken: "console-secret");
        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);

        await console.Page.GotoAsync("gateway/consumers");
        await Expect(console.Heading("Sign in")).ToBeVisibleAsync();
        await console.Field("Admin token").FillAsync("wrong");
        await console.Button("Sign in").ClickAsync();
        await Expect(console.Field("Admin token")).ToHaveAccessibleDescriptionAsync("That is not the admin token.");
        await console.StepAsync("refused");

        await console.Field("Admin token").FillAsync("console-secret");
        await console.Button("Sign in").ClickAsync();
        await Expect(console.Heading("Consumers")).ToBeVisibleAsync();
        await console.StepAsync("signed-in");

        // Without the session, neither pages nor the circuit's hub answer.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.ConsoleUrl };
        using var page = await anonymous.GetAsync("metering", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fmetering", page.Headers.Location?.OriginalString);
        using var hub = await anonymous.PostAsync("_blazor/negotiate?negotiateVersion=1", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
    }
}
