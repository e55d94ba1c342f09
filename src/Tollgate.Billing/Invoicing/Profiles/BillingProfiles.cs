using Tollgate.Billing.Invoicing.Apps;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>The profile, workflow and invoicing app that bill one customer, as of one state.</summary>
public sealed record ResolvedProfile(BillingProfile Profile, BillingWorkflow Workflow, InstalledApp InvoicingApp);

/// <summary>Which profile bills a customer: the customer's override, else the default profile.</summary>
public static class BillingProfiles
{
    /// <summary>The default profile, or null before one exists.</summary>
    public static BillingProfile? Default(BillingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(DefaultProfile.Build).Profile;
    }

    /// <summary>The customer's override, or null when they follow the default profile as it is.</summary>
    public static CustomerOverride? OverrideOf(BillingState state, string customerId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Find(CustomerOverride.Kind, customerId);
    }

    /// <summary>
    /// The profile a customer is billed under: the one their override pins (while it is live), else the default;
    /// null when there is none.
    /// </summary>
    public static BillingProfile? BaseProfileOf(BillingState state, string customerId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return OverrideOf(state, customerId)?.BillingProfileId is { } pinned && state.Find(BillingProfile.Kind, pinned) is { IsDeleted: false } profile
            ? profile
            : Default(state);
    }

    /// <summary>
    /// The profile billing <paramref name="customerId"/>, with the customer's workflow overrides laid over the profile's
    /// workflow, or null when there is none to bill with (no default profile, or its invoicing app is uninstalled).
    /// </summary>
    public static ResolvedProfile? For(BillingState state, string customerId)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customerId);
        var profile = BaseProfileOf(state, customerId);
        if (profile is null || state.Find(InstalledApp.Kind, profile.Apps.Invoicing.Id) is not { IsDeleted: false } app)
        {
            return null;
        }

        var workflow = OverrideOf(state, customerId)?.Workflow is { } overrides ? overrides.ApplyTo(profile.Workflow) : profile.Workflow;
        return new ResolvedProfile(profile, workflow, app);
    }

    /// <summary>The default profile, found once per state: invoicing asks for every customer it bills.</summary>
    private sealed class DefaultProfile
    {
        public BillingProfile? Profile { get; private init; }

        public static DefaultProfile Build(BillingState state) =>
            new() { Profile = state.All(BillingProfile.Kind).FirstOrDefault(p => p.Default && !p.IsDeleted) };
    }
}
