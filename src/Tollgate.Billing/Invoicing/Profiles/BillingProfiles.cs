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
        return state.All(BillingProfile.Kind).FirstOrDefault(p => p.Default && !p.IsDeleted);
    }

    /// <summary>The profile billing <paramref name="customerId"/>, or null when there is none to bill with.</summary>
    public static ResolvedProfile? For(BillingState state, string customerId)
    {
        ArgumentNullException.ThrowIfNull(state);
        var profile = Default(state);
        if (profile is null || state.Find(InstalledApp.Kind, profile.Apps.Invoicing.Id) is not { IsDeleted: false } app)
        {
            return null;
        }

        return new ResolvedProfile(profile, profile.Workflow, app);
    }
}
