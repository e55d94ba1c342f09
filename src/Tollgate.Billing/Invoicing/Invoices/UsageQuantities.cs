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
        BillingState state, Customer customer, string featureKey, DateTimeOffset from, DateTimeOffset to, string field, CancellationToken cancellationToken)
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

        var result = await queries.QueryAsync(meter, feature.UsageQuery(new MeterQuery { From = from, To = to, Subjects = subjects }), cancellationToken);
        return result.Data.Sum(r => r.Value);
    }
}
