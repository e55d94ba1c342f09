using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>
/// A customer's usage of a feature over a period: the feature's meter, filtered by the feature's group-by filters,
/// summed over the subjects attributed to the customer, start-inclusive and end-exclusive.
/// </summary>
public sealed class UsageQuantities(MeterCatalog meters, MeterQueryService queries)
{
    /// <summary>
    /// The usage of <paramref name="featureKey"/> by <paramref name="customer"/> in [<paramref name="from"/>, <paramref name="to"/>).
    /// No meter, no subjects or an empty period: 0. A feature or meter missing is a 400 naming <paramref name="field"/>.
    /// </summary>
    public async Task<decimal> QuantityAsync(
        BillingState state, Customer customer, string featureKey, DateTimeOffset from, DateTimeOffset to, string field, CancellationToken cancellationToken, UsageBatch? batch = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(customer);
        // A subscription keeps billing a feature archived after it was sold: the live one first, else the last archived.
        var feature = FeatureService.ByKey(state, featureKey)
            ?? state.All(Feature.Kind).Where(f => f.Key == featureKey).OrderByDescending(f => f.ArchivedAt).FirstOrDefault()
            ?? throw new BillingValidationException(field, $"feature \"{featureKey}\" not found");
        if (feature.MeterSlug is not { } slug)
        {
            throw new BillingValidationException(field, $"feature \"{featureKey}\" has no meter, so it has no usage to price");
        }

        var meter = meters.Current.Find(slug)
            ?? throw new BillingValidationException(field, $"meter \"{slug}\" of feature \"{featureKey}\" not found");
        var subjects = customer.UsageSubjects;
        if (subjects.Count == 0 || to <= from)
        {
            return 0m;
        }

        if (batch is not null && subjects.All(batch.Contains))
        {
            if (!batch.Read.TryGetValue((featureKey, from, to), out var bySubject))
            {
                var all = await queries.QueryAsync(meter, feature.UsageQuery(new MeterQuery { From = from, To = to, Subjects = batch.Subjects }), cancellationToken);
                bySubject = all.Data.Where(r => r.Subject is not null).GroupBy(r => r.Subject!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.Value), StringComparer.Ordinal);
                batch.Read[(featureKey, from, to)] = bySubject;
            }

            return subjects.Sum(s => bySubject.GetValueOrDefault(s));
        }

        var result = await queries.QueryAsync(meter, feature.UsageQuery(new MeterQuery { From = from, To = to, Subjects = subjects }), cancellationToken);
        return result.Data.Sum(r => r.Value);
    }
}

/// <summary>
/// Usage read for many customers at once (a bill run's batch): the first question about a feature and period reads it
/// for every subject of the batch in one meter query, grouped by subject; the others are answered from that read.
/// Customers billed together share period boundaries, so a batch costs a query per feature and period instead of one per customer.
/// </summary>
public sealed class UsageBatch(IEnumerable<string> subjects)
{
    private readonly HashSet<string> _subjects = subjects.ToHashSet(StringComparer.Ordinal);

    internal IReadOnlyList<string> Subjects => [.. _subjects];

    internal Dictionary<(string Feature, DateTimeOffset From, DateTimeOffset To), Dictionary<string, decimal>> Read { get; } = [];

    internal bool Contains(string subject) => _subjects.Contains(subject);
}
