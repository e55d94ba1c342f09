namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>
/// The steps of an invoice's life (its <c>extendedStatus</c>) and what each allows, pure. Steps ending in
/// <c>.created</c> and <c>.pending</c> are waiting for an app call; <c>.syncing</c> for an app to report back.
/// </summary>
public static class InvoiceSteps
{
    public const string Gathering = "gathering";
    public const string DraftCreated = "draft.created";
    public const string DraftSyncing = "draft.syncing";
    public const string DraftInvalid = "draft.invalid";
    public const string DraftWaitingAutoApproval = "draft.waiting_auto_approval";
    public const string DraftManualApprovalNeeded = "draft.manual_approval_needed";
    public const string IssuingPending = "issuing.pending";
    public const string IssuingSyncing = "issuing.syncing";
    public const string IssuingFailed = "issuing.failed";
    public const string PaymentPending = "payment_processing.pending";
    public const string PaymentFailed = "payment_processing.failed";
    public const string PaymentActionRequired = "payment_processing.action_required";
    public const string Overdue = "overdue";
    public const string Paid = "paid";
    public const string Uncollectible = "uncollectible";
    public const string Voided = "voided";

    /// <summary>Only answered, never stored: a deleted draft (OpenMeter's <c>deleted</c>), which nothing can be done with.</summary>
    public const string Deleted = "deleted";

    /// <summary>The simple status of a step.</summary>
    public static InvoiceStatus StatusOf(string step) => step.Split('.')[0] switch
    {
        "gathering" => InvoiceStatus.Gathering,
        "draft" => InvoiceStatus.Draft,
        "issuing" => InvoiceStatus.Issuing,
        "payment_processing" => InvoiceStatus.PaymentProcessing,
        "overdue" => InvoiceStatus.Overdue,
        "paid" => InvoiceStatus.Paid,
        "uncollectible" => InvoiceStatus.Uncollectible,
        "voided" => InvoiceStatus.Voided,
        "issued" => InvoiceStatus.Issued,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown invoice step"),
    };

    /// <summary>Whether the invoice is issued (numbered, immutable): past draft and issuing.</summary>
    public static bool IsIssued(InvoiceStatus status) =>
        status is InvoiceStatus.Issued or InvoiceStatus.PaymentProcessing or InvoiceStatus.Overdue or InvoiceStatus.Paid or InvoiceStatus.Uncollectible or InvoiceStatus.Voided;

    /// <summary>The answer's <c>statusDetails</c> for <paramref name="invoice"/>.</summary>
    public static InvoiceStatusDetails Details(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        if (invoice.IsDeleted)
        {
            // Every action on a deleted invoice is a 404, so none is offered.
            return new InvoiceStatusDetails(Immutable: true, Failed: false, ExtendedStatus: Deleted, AvailableActions: new());
        }

        var step = invoice.ExtendedStatus ?? Gathering;
        var failed = step is DraftInvalid or IssuingFailed or PaymentFailed;
        return new InvoiceStatusDetails(
            Immutable: invoice.Status is not (InvoiceStatus.Gathering or InvoiceStatus.Draft),
            Failed: failed,
            ExtendedStatus: step,
            AvailableActions: Actions(step));
    }

    private static InvoiceAvailableActions Actions(string step) => step switch
    {
        Gathering => new() { Invoice = new InvoiceGatheringActionDetails() },
        DraftWaitingAutoApproval => new() { Advance = new("issued"), Delete = new("deleted"), SnapshotQuantities = new("draft"), Void = null },
        DraftManualApprovalNeeded => new() { Approve = new("issued"), Delete = new("deleted"), SnapshotQuantities = new("draft") },
        DraftInvalid => new() { Retry = new("draft"), Delete = new("deleted"), SnapshotQuantities = new("draft") },
        DraftCreated or DraftSyncing => new() { Delete = new("deleted") },
        IssuingFailed => new() { Retry = new("issued") },
        PaymentPending or PaymentFailed or PaymentActionRequired or Overdue or Uncollectible or Paid => new() { Void = new("voided") },
        _ => new(),
    };
}
