using Tollgate.Billing.Invoicing.Invoices;

namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>
/// Custom invoicing (OpenMeter's <c>custom_invoicing</c> app): an outside system invoices and collects. With a sync hook
/// enabled the invoice waits at that step until the system calls the matching <c>/synchronized</c> endpoint; without
/// it the step completes at once. Payment is reported later through <c>/payment/status</c>.
/// </summary>
internal sealed class CustomInvoicingApp : IInvoicingApp
{
    public const string AppType = "custom_invoicing";

    private static readonly Task<AppOutcome> Done = Task.FromResult(new AppOutcome(AppStep.Done));
    private static readonly Task<AppOutcome> AwaitingSync = Task.FromResult(new AppOutcome(AppStep.AwaitingSync));

    public string Type => AppType;

    public Task<AppOutcome> SyncDraftAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.EnableDraftSyncHook == true ? AwaitingSync : Done;
    }

    public Task<AppOutcome> IssueAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.EnableIssuingSyncHook == true ? AwaitingSync : Done;
    }
}
