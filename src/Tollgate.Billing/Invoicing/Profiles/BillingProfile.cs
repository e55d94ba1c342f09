using System.Text.Json.Serialization;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>
/// Who bills and how (OpenMeter's <c>BillingProfile</c>): the supplier on the invoices, the workflow, and the apps
/// that tax, invoice and collect. One profile is the default; customers use it unless overridden.
/// </summary>
public sealed record BillingProfile : IBillingDocument
{
    public static readonly DocumentKind<BillingProfile> Kind = new("billing_profile", ProfileJson.Default.BillingProfile);

    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required BillingParty Supplier { get; init; }

    public BillingWorkflow Workflow { get; init; } = new();

    public required BillingProfileAppReferences Apps { get; init; }

    public bool Default { get; init; }

    [JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;
}

/// <summary>The apps a profile uses, by id (OpenMeter's <c>BillingProfileAppReferences</c>).</summary>
public sealed record BillingProfileAppReferences(AppReference Tax, AppReference Invoicing, AppReference Payment);

/// <summary>A short reference to an installed app.</summary>
public sealed record AppReference(string Id);
