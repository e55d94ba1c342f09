using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Customers;

/// <summary>Finds live customers by id, key or attributed subject, from one state's index.</summary>
public sealed class CustomerLookup
{
    private readonly Dictionary<string, Customer> _byKey;
    private readonly Dictionary<string, Customer> _bySubject;

    private CustomerLookup(Dictionary<string, Customer> byKey, Dictionary<string, Customer> bySubject)
    {
        _byKey = byKey;
        _bySubject = bySubject;
    }

    public static CustomerLookup Of(BillingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(Build);
    }

    /// <summary>A live customer by id or key.</summary>
    public static Customer? Find(BillingState state, string idOrKey)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Find(Customer.Kind, idOrKey) is { IsDeleted: false } byId ? byId : Of(state)._byKey.GetValueOrDefault(idOrKey);
    }

    /// <summary>
    /// Any customer by id (a deleted one too, as OpenMeter answers it with <c>deletedAt</c>), else the live customer
    /// with that key: the keys of deleted customers are free for reuse, so they no longer name them.
    /// </summary>
    public static Customer? FindIncludingDeleted(BillingState state, string idOrKey)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Find(Customer.Kind, idOrKey) ?? Of(state)._byKey.GetValueOrDefault(idOrKey);
    }

    /// <summary>The live customer with <paramref name="key"/>.</summary>
    public Customer? ByKey(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>The live customer a subject's usage is attributed to (e.g. a gateway consumer's username).</summary>
    public Customer? BySubject(string subjectKey) => _bySubject.GetValueOrDefault(subjectKey);

    private static CustomerLookup Build(BillingState state)
    {
        var byKey = new Dictionary<string, Customer>(StringComparer.Ordinal);
        var bySubject = new Dictionary<string, Customer>(StringComparer.Ordinal);
        foreach (var customer in state.All(Customer.Kind))
        {
            if (customer.IsDeleted)
            {
                continue;
            }

            if (customer.Key is { } key)
            {
                byKey[key] = customer;
            }

            foreach (var subject in customer.UsageSubjects)
            {
                bySubject[subject] = customer;
            }
        }

        return new CustomerLookup(byKey, bySubject);
    }
}
