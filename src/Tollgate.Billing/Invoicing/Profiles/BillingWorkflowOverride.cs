using System.Text.Json.Serialization;
using Tollgate.Billing.Catalog.RateCards;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>
/// A billing workflow with every setting optional: what a request gives (a missing part or field keeps what it is laid
/// over: OpenMeter's defaults on a new profile) and what a customer override stores (a missing field keeps the
/// profile's). <see cref="Validate"/> checks it; <see cref="ApplyTo"/> lays it over a workflow.
/// </summary>
public sealed record BillingWorkflowOverride
{
    private static readonly string[] AlignmentTypes = ["subscription", "anchored"];
    private static readonly string[] CollectionMethods = ["charge_automatically", "send_invoice"];
    private static readonly string[] ProrationModes = ["bill_full_period", "bill_actual_period"];

    public CollectionOverride? Collection { get; init; }

    public InvoicingOverride? Invoicing { get; init; }

    public PaymentOverride? Payment { get; init; }

    public TaxOverride? Tax { get; init; }

    /// <summary>True when nothing is overridden.</summary>
    [JsonIgnore]
    public bool IsEmpty => (Collection is null || Collection == new CollectionOverride())
        && (Invoicing is null || Invoicing == new InvoicingOverride())
        && (Payment is null || Payment == new PaymentOverride())
        && (Tax is null || Tax == new TaxOverride());

    /// <summary>
    /// Checks every given setting (ISO 8601 durations, enum values, an anchored alignment's period) and returns it with
    /// alignment intervals written as ISO 8601; a 400 names the field under <paramref name="path"/> (e.g. <c>workflow</c>).
    /// </summary>
    public BillingWorkflowOverride Validate(string path)
    {
        var collection = Collection;
        if (collection is not null)
        {
            Duration($"{path}.collection.interval", collection.Interval);
            if (collection.Alignment is { } alignment)
            {
                collection = collection with { Alignment = ValidateAlignment($"{path}.collection.alignment", alignment) };
            }
        }

        if (Invoicing is { } invoicing)
        {
            Duration($"{path}.invoicing.draftPeriod", invoicing.DraftPeriod);
            Duration($"{path}.invoicing.dueAfter", invoicing.DueAfter);
            OneOf($"{path}.invoicing.subscriptionEndProrationMode", invoicing.SubscriptionEndProrationMode, ProrationModes);
        }

        OneOf($"{path}.payment.collectionMethod", Payment?.CollectionMethod, CollectionMethods);
        return this with { Collection = collection };
    }

    /// <summary><paramref name="workflow"/> with every setting given here replacing its own (call <see cref="Validate"/> first).</summary>
    public BillingWorkflow ApplyTo(BillingWorkflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var collection = workflow.Collection;
        if (Collection is { } c)
        {
            collection = collection with
            {
                Alignment = c.Alignment?.ToAlignment() ?? collection.Alignment,
                Interval = c.Interval ?? collection.Interval,
            };
        }

        var invoicing = workflow.Invoicing;
        if (Invoicing is { } i)
        {
            invoicing = invoicing with
            {
                AutoAdvance = i.AutoAdvance ?? invoicing.AutoAdvance,
                DraftPeriod = i.DraftPeriod ?? invoicing.DraftPeriod,
                DueAfter = i.DueAfter ?? invoicing.DueAfter,
                ProgressiveBilling = i.ProgressiveBilling ?? invoicing.ProgressiveBilling,
                SubscriptionEndProrationMode = i.SubscriptionEndProrationMode ?? invoicing.SubscriptionEndProrationMode,
                DefaultTaxConfig = i.DefaultTaxConfig ?? invoicing.DefaultTaxConfig,
            };
        }

        var payment = Payment?.CollectionMethod is { } method ? workflow.Payment with { CollectionMethod = method } : workflow.Payment;
        var tax = workflow.Tax;
        if (Tax is { } t)
        {
            tax = tax with { Enabled = t.Enabled ?? tax.Enabled, Enforced = t.Enforced ?? tax.Enforced };
        }

        return new BillingWorkflow { Collection = collection, Invoicing = invoicing, Payment = payment, Tax = tax };
    }

    private static AlignmentOverride ValidateAlignment(string path, AlignmentOverride alignment)
    {
        if (alignment.Type is null)
        {
            throw new BillingValidationException($"{path}.type", "is required: subscription or anchored");
        }

        OneOf($"{path}.type", alignment.Type, AlignmentTypes);
        if (alignment.Type == "subscription")
        {
            return new AlignmentOverride { Type = "subscription" };
        }

        var period = alignment.RecurringPeriod ?? throw new BillingValidationException($"{path}.recurringPeriod", "is required for an anchored alignment");
        if (period.Anchor is null)
        {
            throw new BillingValidationException($"{path}.recurringPeriod.anchor", "is required");
        }

        var interval = period.Interval switch
        {
            "DAY" => "P1D",
            "WEEK" => "P1W",
            "MONTH" => "P1M",
            "YEAR" => "P1Y",
            _ => period.Interval,
        };
        var duration = IsoDuration.Parse($"{path}.recurringPeriod.interval", interval);
        if (!duration.IsAtLeastAnHour)
        {
            throw new BillingValidationException($"{path}.recurringPeriod.interval", "must be at least an hour (PT1H)");
        }

        return alignment with { RecurringPeriod = period with { Interval = duration.ToString() } };
    }

    private static void Duration(string field, string? value)
    {
        if (value is not null)
        {
            IsoDuration.Parse(field, value);
        }
    }

    private static void OneOf(string field, string? value, string[] allowed)
    {
        if (value is not null && Array.IndexOf(allowed, value) < 0)
        {
            throw new BillingValidationException(field, $"\"{value}\" is not one of: {string.Join(", ", allowed)}");
        }
    }
}

/// <summary>Collection settings, each optional (<see cref="BillingWorkflowCollectionSettings"/>).</summary>
public sealed record CollectionOverride
{
    public AlignmentOverride? Alignment { get; init; }

    public string? Interval { get; init; }
}

/// <summary>
/// A collection alignment as written (<c>type</c> and, when anchored, <c>recurringPeriod</c>), read as plain fields so a
/// missing or unknown <c>type</c> is a 400 naming it rather than a serializer failure.
/// </summary>
public sealed record AlignmentOverride
{
    public string? Type { get; init; }

    public RecurringPeriodOverride? RecurringPeriod { get; init; }

    /// <summary>The alignment this stands for (validated).</summary>
    public CollectionAlignment ToAlignment() => Type == "anchored" && RecurringPeriod is { Interval: { } interval, Anchor: { } anchor }
        ? new AnchoredCollectionAlignment { RecurringPeriod = new CollectionRecurringPeriod { Interval = interval, Anchor = anchor } }
        : new SubscriptionCollectionAlignment();
}

/// <summary>OpenMeter's <c>RecurringPeriodV2</c> as written: an interval (ISO 8601 or DAY/WEEK/MONTH/YEAR) and an anchor.</summary>
public sealed record RecurringPeriodOverride
{
    public string? Interval { get; init; }

    public DateTimeOffset? Anchor { get; init; }
}

/// <summary>Invoicing settings, each optional (<see cref="BillingWorkflowInvoicingSettings"/>).</summary>
public sealed record InvoicingOverride
{
    public bool? AutoAdvance { get; init; }

    public string? DraftPeriod { get; init; }

    public string? DueAfter { get; init; }

    public bool? ProgressiveBilling { get; init; }

    public string? SubscriptionEndProrationMode { get; init; }

    public TaxConfig? DefaultTaxConfig { get; init; }
}

/// <summary>Payment settings, each optional (<see cref="BillingWorkflowPaymentSettings"/>).</summary>
public sealed record PaymentOverride
{
    public string? CollectionMethod { get; init; }
}

/// <summary>Tax settings, each optional (<see cref="BillingWorkflowTaxSettings"/>).</summary>
public sealed record TaxOverride
{
    public bool? Enabled { get; init; }

    public bool? Enforced { get; init; }
}
