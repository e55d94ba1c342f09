using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Entitlements;

/// <summary>Entitlements by customer and grants by entitlement, built once per state.</summary>
public sealed class EntitlementLookup
{
    private readonly Dictionary<string, List<Entitlement>> _byCustomer;
    private readonly Dictionary<string, List<Grant>> _grants;

    private EntitlementLookup(Dictionary<string, List<Entitlement>> byCustomer, Dictionary<string, List<Grant>> grants)
    {
        _byCustomer = byCustomer;
        _grants = grants;
    }

    public static EntitlementLookup Of(BillingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(Build);
    }

    /// <summary>Every entitlement of the customer, deleted and ended ones included.</summary>
    public IReadOnlyList<Entitlement> ForCustomer(string customerId) => _byCustomer.TryGetValue(customerId, out var list) ? list : [];

    /// <summary>Every grant of the entitlement, voided and deleted ones included.</summary>
    public IReadOnlyList<Grant> Grants(string entitlementId) => _grants.TryGetValue(entitlementId, out var list) ? list : [];

    private static EntitlementLookup Build(BillingState state)
    {
        var byCustomer = new Dictionary<string, List<Entitlement>>(StringComparer.Ordinal);
        foreach (var entitlement in state.All(Entitlement.Kind))
        {
            if (!byCustomer.TryGetValue(entitlement.CustomerId, out var list))
            {
                byCustomer[entitlement.CustomerId] = list = [];
            }

            list.Add(entitlement);
        }

        var grants = new Dictionary<string, List<Grant>>(StringComparer.Ordinal);
        foreach (var grant in state.All(Grant.Kind))
        {
            if (!grants.TryGetValue(grant.EntitlementId, out var list))
            {
                grants[grant.EntitlementId] = list = [];
            }

            list.Add(grant);
        }

        return new EntitlementLookup(byCustomer, grants);
    }
}
