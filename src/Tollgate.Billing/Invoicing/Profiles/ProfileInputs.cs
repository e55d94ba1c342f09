namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>The body of <c>POST /api/v1/billing/profiles</c> (OpenMeter's <c>BillingProfileCreate</c>).</summary>
public sealed record BillingProfileCreate
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public BillingParty? Supplier { get; init; }

    public bool? Default { get; init; }

    /// <summary>Parts and fields left out take OpenMeter's defaults.</summary>
    public BillingWorkflowOverride? Workflow { get; init; }

    public BillingProfileAppsCreate? Apps { get; init; }
}

/// <summary>OpenMeter's <c>BillingProfileAppsCreate</c>: the app ids for tax, invoicing and payment.</summary>
public sealed record BillingProfileAppsCreate
{
    public string? Tax { get; init; }

    public string? Invoicing { get; init; }

    public string? Payment { get; init; }
}

/// <summary>
/// The body of <c>PUT /api/v1/billing/profiles/{id}</c> (OpenMeter's <c>BillingProfileReplaceUpdateWithWorkflow</c>):
/// everything but the apps, which a profile keeps for life.
/// </summary>
public sealed record BillingProfileReplaceUpdate
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public BillingParty? Supplier { get; init; }

    public bool? Default { get; init; }

    /// <summary>Replaces the workflow; parts and fields left out take OpenMeter's defaults.</summary>
    public BillingWorkflowOverride? Workflow { get; init; }
}
