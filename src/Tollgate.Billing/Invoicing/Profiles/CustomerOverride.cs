using System.Text.Json.Serialization;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>
/// How one customer is billed differently (OpenMeter's <c>BillingProfileCustomerOverride</c>), stored under the
/// customer's id: pinned to a profile other than the default, and/or workflow settings laid over the profile's.
/// </summary>
public sealed record CustomerOverride : IBillingDocument
{
    public static readonly DocumentKind<CustomerOverride> Kind = new("billing_customer_override", ProfileJson.Default.CustomerOverride);

    /// <summary>The customer's id.</summary>
    [JsonIgnore]
    public string Id => CustomerId;

    public required string CustomerId { get; init; }

    /// <summary>The pinned profile; null follows whichever profile is the default.</summary>
    public string? BillingProfileId { get; init; }

    /// <summary>Workflow settings that replace the profile's for this customer (a Tollgate addition to OpenMeter's v1 body).</summary>
    public BillingWorkflowOverride? Workflow { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The body of <c>PUT /api/v1/billing/customers/{customerId}</c> (OpenMeter's <c>BillingProfileCustomerOverrideCreate</c>).</summary>
public sealed record CustomerOverrideInputs
{
    /// <summary>The profile to pin; absent follows the default profile.</summary>
    public string? BillingProfileId { get; init; }

    /// <summary>Tollgate's addition: workflow settings for this customer (collection, invoicing, payment, tax), each optional.</summary>
    public BillingWorkflowOverride? Workflow { get; init; }
}
