using Tollgate.Billing.Invoicing.Invoices;

namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>
/// The sandbox (OpenMeter's <c>sandbox</c> app): nothing leaves Tollgate, a draft is always in order and an issued
/// invoice counts as paid at once, so the whole invoice lifecycle can be tried without a payment provider.
/// </summary>
internal sealed class SandboxApp : IInvoicingApp
{
    public const string AppType = "sandbox";

    private static readonly Task<AppOutcome> Done = Task.FromResult(new AppOutcome(AppStep.Done));
    private static readonly Task<AppOutcome> Paid = Task.FromResult(new AppOutcome(AppStep.Paid));

    public string Type => AppType;

    public Task<AppOutcome> SyncDraftAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken) => Done;

    // No external invoice exists, so there is no external id to report.
    public Task<AppOutcome> IssueAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken) => Paid;
}
