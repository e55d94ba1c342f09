using System.Text.Json;
using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>OpenMeter's <c>BillingProfileApps</c>: a profile's apps in full (<c>expand=apps</c>).</summary>
public sealed record BillingProfileApps(AppView Tax, AppView Invoicing, AppView Payment)
{
    public static BillingProfileApps Of(BillingState state, BillingProfileAppReferences apps)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(apps);
        return new(View(state, apps.Tax), View(state, apps.Invoicing), View(state, apps.Payment));
    }

    // A profile's apps cannot be uninstalled while it lives, but a deleted profile may name an uninstalled one: shown with deletedAt.
    private static AppView View(BillingState state, AppReference reference) =>
        AppView.Of(state.Find(InstalledApp.Kind, reference.Id) ?? throw new InvalidOperationException($"app {reference.Id} of a billing profile is missing from the store"));
}

/// <summary>A billing profile answered with <c>expand=apps</c>: as <see cref="BillingProfile"/>, with the apps in full.</summary>
public sealed record ExpandedBillingProfile
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    public required BillingParty Supplier { get; init; }

    public required BillingWorkflow Workflow { get; init; }

    public required BillingProfileApps Apps { get; init; }

    public required bool Default { get; init; }

    public static ExpandedBillingProfile Of(BillingState state, BillingProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new()
        {
            Id = profile.Id,
            Name = profile.Name,
            Description = profile.Description,
            Metadata = profile.Metadata,
            CreatedAt = profile.CreatedAt,
            UpdatedAt = profile.UpdatedAt,
            DeletedAt = profile.DeletedAt,
            Supplier = profile.Supplier,
            Workflow = profile.Workflow,
            Apps = BillingProfileApps.Of(state, profile.Apps),
            Default = profile.Default,
        };
    }
}

/// <summary>
/// OpenMeter's <c>BillingProfileCustomerOverrideWithDetails</c>: the customer's override (if any), the profile it
/// resolves to and the merged result; <typeparamref name="TApps"/> is app references or, with <c>expand=apps</c>, apps.
/// </summary>
public sealed record CustomerOverrideDetails<TApps>
{
    public CustomerOverride? CustomerOverride { get; init; }

    public required string BaseBillingProfileId { get; init; }

    public required BillingCustomerProfile<TApps> CustomerProfile { get; init; }

    /// <summary>The customer as <c>/api/v1/customers</c> answers it, with <c>expand=customer</c>.</summary>
    public JsonElement? Customer { get; init; }
}

/// <summary>OpenMeter's <c>BillingCustomerProfile</c>: the profile merged with the customer's overrides.</summary>
public sealed record BillingCustomerProfile<TApps>(BillingParty Supplier, BillingWorkflow Workflow, TApps Apps);
