using Tollgate.Billing.Invoicing.Invoices;

namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>
/// The seam an invoicing and payment app plugs into (the sandbox, custom invoicing, later Stripe). Invoicing calls it
/// outside the billing lock, after the invoice's state says what is being attempted, so a crash in between is retried;
/// an app must therefore be idempotent per invoice id. Payment news arriving later (webhooks, custom invoicing hooks)
/// goes to <c>InvoiceService.SetPaymentStatusAsync</c>.
/// </summary>
public interface IInvoicingApp
{
    /// <summary>The app type this implementation serves: <c>sandbox</c>, <c>custom_invoicing</c>, <c>stripe</c>.</summary>
    string Type { get; }

    /// <summary>A draft was created or changed: check it (and sync it out, if the app keeps drafts).</summary>
    Task<AppOutcome> SyncDraftAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken);

    /// <summary>The invoice is being issued: finalize it in the app and say how payment stands.</summary>
    Task<AppOutcome> IssueAsync(InstalledApp app, Invoice invoice, CancellationToken cancellationToken);
}

/// <summary>What an app made of an invoice step.</summary>
public sealed record AppOutcome(AppStep Step)
{
    /// <summary>The invoice's id in the app, if it has one.</summary>
    public string? ExternalId { get; init; }

    /// <summary>A number the app assigned, replacing Tollgate's, if any.</summary>
    public string? Number { get; init; }

    /// <summary>Why the step failed (with <see cref="AppStep.Failed"/>): shown as the invoice's validation issues.</summary>
    public IReadOnlyList<string> Issues { get; init; } = [];
}

/// <summary>Where an app left an invoice step.</summary>
public enum AppStep
{
    /// <summary>Done; for issue, payment is now expected (<c>payment_processing</c>).</summary>
    Done,

    /// <summary>Done and already paid (the sandbox).</summary>
    Paid,

    /// <summary>The app reports back later (custom invoicing's sync hooks); the invoice waits in its syncing state.</summary>
    AwaitingSync,

    /// <summary>Refused; the invoice stays where it was, failed, until <c>retry</c>.</summary>
    Failed,
}
