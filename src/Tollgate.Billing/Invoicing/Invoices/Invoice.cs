using System.Text.Json.Serialization;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>
/// An invoice (OpenMeter's <c>Invoice</c>), stored with its lines. A customer has one <c>gathering</c> invoice per
/// currency holding what is not invoiced yet (its subscription lines are computed when read); collecting makes a
/// <c>draft</c> with the lines snapshotted, which is issued (numbered, immutable) and then paid through its app.
/// </summary>
public sealed record Invoice : IBillingDocument
{
    public static readonly DocumentKind<Invoice> Kind = new("invoice", InvoiceJson.Default.Invoice);

    public required string Id { get; init; }

    public string Type { get; init; } = "standard";

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required BillingParty Supplier { get; init; }

    public required InvoiceCustomer Customer { get; init; }

    public required string Number { get; init; }

    public required string Currency { get; init; }

    public required InvoiceStatus Status { get; init; }

    /// <summary>Stored: the step within the status (e.g. <c>draft.waiting_auto_approval</c>). Answers show it only in <see cref="StatusDetails"/>, as OpenMeter does.</summary>
    public string? ExtendedStatus { get; init; }

    /// <summary>Filled in answers from the status; not stored.</summary>
    public InvoiceStatusDetails? StatusDetails { get; init; }

    public InvoiceTotals Totals { get; init; } = InvoiceTotals.Zero;

    public DateTimeOffset? IssuedAt { get; init; }

    public DateTimeOffset? DraftUntil { get; init; }

    public DateTimeOffset? QuantitySnapshotedAt { get; init; }

    public DateTimeOffset? CollectionAt { get; init; }

    public DateTimeOffset? DueAt { get; init; }

    public DateTimeOffset? VoidedAt { get; init; }

    public DateTimeOffset? SentToCustomerAt { get; init; }

    /// <summary>Tollgate's own record of when payment was confirmed (not in OpenMeter's contract).</summary>
    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>The earliest line start to the latest line end; null without lines.</summary>
    public BillingPeriod? Period { get; init; }

    public required InvoiceWorkflowSettings Workflow { get; init; }

    /// <summary>Stored (a gathering invoice stores only its manual lines); answered with <c>expand=lines</c>.</summary>
    public IReadOnlyList<InvoiceLine>? Lines { get; init; }

    public IReadOnlyList<InvoiceValidationIssue>? ValidationIssues { get; init; }

    public InvoiceExternalIds? ExternalIds { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;

    [JsonIgnore]
    public string CustomerId => Customer.Id!;
}

/// <summary>OpenMeter's <c>InvoiceStatus</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InvoiceStatus>))]
public enum InvoiceStatus
{
    [JsonStringEnumMemberName("gathering")]
    Gathering,

    [JsonStringEnumMemberName("draft")]
    Draft,

    [JsonStringEnumMemberName("issuing")]
    Issuing,

    [JsonStringEnumMemberName("issued")]
    Issued,

    [JsonStringEnumMemberName("payment_processing")]
    PaymentProcessing,

    [JsonStringEnumMemberName("overdue")]
    Overdue,

    [JsonStringEnumMemberName("paid")]
    Paid,

    [JsonStringEnumMemberName("uncollectible")]
    Uncollectible,

    [JsonStringEnumMemberName("voided")]
    Voided,
}

/// <summary>The customer as the invoice shows them (OpenMeter's <c>BillingInvoiceCustomerExtendedDetails</c>), snapshotted when drafted.</summary>
public sealed record InvoiceCustomer
{
    public string? Id { get; init; }

    public string? Key { get; init; }

    public string? Name { get; init; }

    public BillingPartyTaxIdentity? TaxId { get; init; }

    public IReadOnlyList<Address>? Addresses { get; init; }

    public CustomerUsageAttribution UsageAttribution { get; init; } = new();

    /// <summary>The invoice's view of <paramref name="customer"/>.</summary>
    public static InvoiceCustomer Of(Customer customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return new InvoiceCustomer
        {
            Id = customer.Id,
            Key = customer.Key,
            Name = customer.Name,
            Addresses = customer.BillingAddress is { } address ? [address] : null,
            UsageAttribution = customer.UsageAttribution,
        };
    }
}

/// <summary>The workflow an invoice follows: a copy of its profile's, with the customer's overrides, as drafted.</summary>
public sealed record InvoiceWorkflowSettings
{
    public required string SourceBillingProfileId { get; init; }

    public required BillingWorkflow Workflow { get; init; }

    public BillingProfileAppReferences? Apps { get; init; }
}

/// <summary>OpenMeter's <c>InvoiceStatusDetails</c>, derived from the status.</summary>
public sealed record InvoiceStatusDetails(bool Immutable, bool Failed, string ExtendedStatus, InvoiceAvailableActions AvailableActions);

/// <summary>What can be done next, each with the status it leads to (OpenMeter's <c>InvoiceAvailableActions</c>).</summary>
public sealed record InvoiceAvailableActions
{
    public InvoiceActionDetails? Advance { get; init; }

    public InvoiceActionDetails? Approve { get; init; }

    public InvoiceActionDetails? Delete { get; init; }

    public InvoiceActionDetails? Retry { get; init; }

    public InvoiceActionDetails? SnapshotQuantities { get; init; }

    public InvoiceActionDetails? Void { get; init; }

    /// <summary>A gathering invoice can be invoiced now.</summary>
    public InvoiceGatheringActionDetails? Invoice { get; init; }
}

/// <summary>An action's result state.</summary>
public sealed record InvoiceActionDetails(string ResultingState);

/// <summary>The (empty) details of invoicing a gathering invoice.</summary>
public sealed record InvoiceGatheringActionDetails;

/// <summary>A problem an app or the workflow found with an invoice.</summary>
public sealed record InvoiceValidationIssue
{
    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary><c>critical</c> or <c>warning</c>.</summary>
    public string Severity { get; init; } = "critical";

    /// <summary>What raised it: <c>openmeter</c> (Tollgate's workflow) or the app's type.</summary>
    public string Component { get; init; } = "openmeter";

    public string? Field { get; init; }

    public string? Code { get; init; }

    public required string Message { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>The invoice's ids in its apps.</summary>
public sealed record InvoiceExternalIds
{
    public string? Invoicing { get; init; }

    public string? Tax { get; init; }

    public string? Payment { get; init; }
}
