using Tollgate.Billing.Invoicing.Apps;

namespace Tollgate.Billing.Tests.Invoicing.Profiles;

public sealed class InvoicingAppsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sandbox_accepts_every_draft_and_marks_issued_invoices_paid()
    {
        var apps = new InvoicingApps([new SandboxApp(), new CustomInvoicingApp()]);
        var sandbox = App("sandbox");
        var implementation = apps.For(sandbox);
        Assert.IsType<SandboxApp>(implementation);
        Assert.Equal(new AppOutcome(AppStep.Done), await implementation.SyncDraftAsync(sandbox, null!, Ct));
        var issued = await implementation.IssueAsync(sandbox, null!, Ct);
        Assert.Equal(AppStep.Paid, issued.Step);
        Assert.Null(issued.ExternalId);
        Assert.Null(issued.Number);
        Assert.Empty(issued.Issues);
    }

    [Theory]
    [InlineData(false, false, AppStep.Done, AppStep.Done)]
    [InlineData(true, false, AppStep.AwaitingSync, AppStep.Done)]
    [InlineData(false, true, AppStep.Done, AppStep.AwaitingSync)]
    [InlineData(true, true, AppStep.AwaitingSync, AppStep.AwaitingSync)]
    public async Task Custom_invoicing_waits_at_each_step_whose_sync_hook_is_enabled(bool draftHook, bool issuingHook, AppStep draft, AppStep issue)
    {
        var apps = new InvoicingApps([new SandboxApp(), new CustomInvoicingApp()]);
        var app = App("custom_invoicing") with { EnableDraftSyncHook = draftHook, EnableIssuingSyncHook = issuingHook };
        var implementation = apps.For(app);
        Assert.Equal(draft, (await implementation.SyncDraftAsync(app, null!, Ct)).Step);
        Assert.Equal(issue, (await implementation.IssueAsync(app, null!, Ct)).Step);
    }

    [Fact]
    public void An_app_type_without_an_implementation_is_a_clear_error()
    {
        var apps = new InvoicingApps([new SandboxApp(), new CustomInvoicingApp()]);
        var stripe = App("stripe");
        var error = Assert.Throws<InvalidOperationException>(() => apps.For(stripe));
        Assert.Equal("app app-1 (\"My stripe\") is of type \"stripe\", which this build of Tollgate cannot invoice with (it has: custom_invoicing, sandbox)", error.Message);
    }

    [Fact]
    public void Two_implementations_for_one_type_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new InvoicingApps([new SandboxApp(), new SandboxApp()]));
        Assert.Equal("two invoicing app implementations are registered for type \"sandbox\"", error.Message);
    }

    private static InstalledApp App(string type) => new() { Id = "app-1", Type = type, Name = $"My {type}", CreatedAt = Now, UpdatedAt = Now };
}
