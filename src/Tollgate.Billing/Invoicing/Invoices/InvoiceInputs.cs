using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>The body of <c>POST /billing/customers/{c}/invoices/pending-lines</c> (OpenMeter's <c>InvoicePendingLineCreateInput</c>).</summary>
public sealed record PendingLinesInput
{
    public string? Currency { get; init; }

    public IReadOnlyList<PendingLineInput>? Lines { get; init; }
}

/// <summary>One line to bill later (OpenMeter's <c>InvoicePendingLineCreate</c>): a one-off charge or a usage line over its own period.</summary>
public record PendingLineInput
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public TaxConfig? TaxConfig { get; init; }

    public BillingPeriod? Period { get; init; }

    public DateTimeOffset? InvoiceAt { get; init; }

    /// <summary>Deprecated by OpenMeter in favour of <see cref="RateCard"/>.</summary>
    public Price? Price { get; init; }

    /// <summary>Deprecated by OpenMeter in favour of <see cref="RateCard"/>.</summary>
    public string? FeatureKey { get; init; }

    public InvoiceLineRateCard? RateCard { get; init; }
}

/// <summary>The answer to creating pending lines (OpenMeter's <c>InvoicePendingLineCreateResponse</c>).</summary>
public sealed record PendingLinesResult(IReadOnlyList<InvoiceLine> Lines, Invoice Invoice, bool IsInvoiceNew);

/// <summary>The body of <c>POST /billing/invoices/invoice</c> (OpenMeter's <c>InvoicePendingLinesActionInput</c>).</summary>
public sealed record InvoiceNowInput
{
    public string? CustomerId { get; init; }

    public DateTimeOffset? AsOf { get; init; }

    public InvoiceNowFilters? Filters { get; init; }

    public bool? ProgressiveBillingOverride { get; init; }
}

/// <summary>Which pending lines to invoice now.</summary>
public sealed record InvoiceNowFilters
{
    public IReadOnlyList<string>? LineIds { get; init; }
}

/// <summary>The body of <c>POST /billing/customers/{c}/invoices/simulate</c> (OpenMeter's <c>InvoiceSimulationInput</c>).</summary>
public sealed record SimulationInput
{
    public string? Number { get; init; }

    public string? Currency { get; init; }

    public IReadOnlyList<SimulationLineInput>? Lines { get; init; }
}

/// <summary>One line of a simulation: a pending line with its quantity given (OpenMeter's <c>InvoiceSimulationLine</c>).</summary>
public sealed record SimulationLineInput : PendingLineInput
{
    public string? Id { get; init; }

    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? Quantity { get; init; }

    [JsonConverter(typeof(NullableNumericConverter))]
    public decimal? PreLinePeriodQuantity { get; init; }
}

/// <summary>The body of the custom invoicing <c>draft/synchronized</c> hook.</summary>
public sealed record DraftSynchronizedInput
{
    public CustomInvoicingSyncResult? Invoicing { get; init; }
}

/// <summary>What the custom invoicing app made of a draft.</summary>
public sealed record CustomInvoicingSyncResult
{
    public string? InvoiceNumber { get; init; }

    public string? ExternalId { get; init; }
}

/// <summary>The body of the custom invoicing <c>issuing/synchronized</c> hook (OpenMeter's <c>CustomInvoicingFinalizedRequest</c>).</summary>
public sealed record IssuingSynchronizedInput
{
    public IssuingSynchronizedInvoicing? Invoicing { get; init; }

    public IssuingSynchronizedPayment? Payment { get; init; }
}

/// <summary>The invoicing part of a finalized custom invoice.</summary>
public sealed record IssuingSynchronizedInvoicing
{
    public string? InvoiceNumber { get; init; }

    public DateTimeOffset? SentToCustomerAt { get; init; }
}

/// <summary>The payment part of a finalized custom invoice.</summary>
public sealed record IssuingSynchronizedPayment
{
    public string? ExternalId { get; init; }
}

/// <summary>The body of the custom invoicing <c>payment/status</c> hook.</summary>
public sealed record PaymentStatusInput
{
    /// <summary><c>paid</c>, <c>payment_failed</c>, <c>payment_uncollectible</c>, <c>payment_overdue</c>, <c>action_required</c> or <c>void</c>.</summary>
    public string? Trigger { get; init; }
}
