using System.Text.Json;
using Microsoft.Playwright;
using Tollgate.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Tollgate.Server.Tests.Console.Gateway;

/// <summary>Consumer groups: created with a refusal at its field, members added and removed, the group deleted after confirming.</summary>
public sealed class ConsumerGroupsPageTests(Chromium chromium)
{
    [Fact]
    public async Task A_group_gets_members_loses_them_and_is_deleted_after_confirming()
    {
        await using var server = await TollgateServer.StartAsync();
        foreach (var username in new[] { "kong-air", "acme" })
        {
            using var created = await server.PostJsonAsync("/consumers", $$"""{"username":"{{username}}"}""");
            Assert.True(created.IsSuccessStatusCode);
        }

        await using var console = await ConsoleBrowser.OpenAsync(chromium, server);
        await console.GoToAsync("/");
        await console.NavigateAsync("Consumer groups");
        await Expect(console.Heading("No consumer groups yet")).ToBeVisibleAsync();

        await console.Field("Name").FillAsync("premium plan");
        await console.Button("Create group").ClickAsync();
        await Expect(console.Field("Name")).ToHaveAccessibleDescriptionAsync("invalid value: only letters, digits, '.', '-', '_' and '~' are allowed");
        await Expect(console.Field("Name")).ToHaveAttributeAsync("aria-invalid", "true");
        await console.StepAsync("name-refused");
        Assert.Equal(0, await CountAsync(server, "/consumer_groups"));

        await console.Field("Name").FillAsync("premium");
        await console.Button("Create group").ClickAsync();
        await Expect(console.Heading("premium")).ToBeVisibleAsync();
        await console.Field("Consumer").SelectOptionAsync(new SelectOptionValue { Label = "kong-air" });
        await console.Button("Add to group").ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("kong-air is in premium.");
        var members = console.Page.GetByRole(AriaRole.Table, new() { Name = "Members" }).Locator("tbody tr td:first-child");
        await Expect(members).ToHaveTextAsync(["kong-air"]);
        await console.StepAsync("member-added");
        using (var api = JsonDocument.Parse(await server.GetStringAsync("/consumer_groups/premium/consumers")))
        {
            Assert.Equal(["kong-air"], api.RootElement.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("username").GetString()));
        }

        await console.Button("Remove kong-air").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Remove", Exact = true }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("kong-air is no longer in premium.");
        await Expect(console.Page.GetByText("No members yet.")).ToBeVisibleAsync();
        Assert.Equal(0, await CountAsync(server, "/consumer_groups/premium/consumers"));

        // Deleting asks first; Cancel keeps the group.
        await console.Button("Delete").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(1, await CountAsync(server, "/consumer_groups"));
        await console.Button("Delete").ClickAsync();
        await console.Page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Delete group" }).ClickAsync();
        await Expect(console.Heading("No consumer groups yet")).ToBeVisibleAsync();
        Assert.Equal(0, await CountAsync(server, "/consumer_groups"));
        Assert.Equal(2, await CountAsync(server, "/consumers"));
    }

    private static async Task<int> CountAsync(TollgateServer server, string path)
    {
        using var page = JsonDocument.Parse(await server.GetStringAsync(path));
        return page.RootElement.GetProperty("data").GetArrayLength();
    }
}
