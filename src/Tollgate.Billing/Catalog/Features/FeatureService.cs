using Tollgate.Billing.Catalog.AddOns;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Storage;
using Tollgate.Metering.Meters;

namespace Tollgate.Billing.Catalog.Features;

/// <summary>Creates, finds and archives features; a key names one live feature at a time.</summary>
public sealed partial class FeatureService(BillingRepository repository, MeterCatalog meters)
{
    private static readonly MeterAggregation[] UsableAggregations = [MeterAggregation.Sum, MeterAggregation.Count, MeterAggregation.UniqueCount, MeterAggregation.Latest];

    public Task<Feature> CreateAsync(FeatureCreateInputs input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = Keys.Require("key", input.Key);
        if (string.IsNullOrWhiteSpace(input.Name))
        {
            throw new BillingValidationException("name", "is required");
        }

        if (input.MeterSlug is null)
        {
            if (input.MeterGroupByFilters is { Count: > 0 } || input.AdvancedMeterGroupByFilters is { Count: > 0 })
            {
                throw new BillingValidationException("meterGroupByFilters", "filters need a meterSlug: a feature without a meter has no usage to filter");
            }
        }
        else
        {
            var meter = meters.Current.Find(input.MeterSlug)?.Meter
                ?? throw new BillingValidationException("meterSlug", $"no meter with slug \"{input.MeterSlug}\"");
            if (Array.IndexOf(UsableAggregations, meter.Aggregation) < 0)
            {
                throw new BillingValidationException("meterSlug", $"meter \"{meter.Slug}\" aggregates with {meter.Aggregation.ToString().ToUpperInvariant()}; features take SUM, COUNT, UNIQUE_COUNT or LATEST meters");
            }

            foreach (var filter in (input.MeterGroupByFilters?.Keys ?? Enumerable.Empty<string>()).Concat(input.AdvancedMeterGroupByFilters?.Keys ?? Enumerable.Empty<string>()))
            {
                if (!meter.GroupBy.Any(g => g.Key == filter))
                {
                    throw new BillingValidationException($"meterGroupByFilters.{filter}", $"meter \"{meter.Slug}\" has no group by \"{filter}\" (it has: {string.Join(", ", meter.GroupBy.Select(g => g.Key))})");
                }
            }
        }

        return repository.ChangeAsync(change =>
        {
            if (ByKey(change.State, key) is not null)
            {
                throw new BillingConflictException($"a feature with key \"{key}\" already exists; archive it first to reuse the key");
            }

            return change.Put(Feature.Kind, new Feature
            {
                Id = Ulid.NewUlid().ToString(),
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
                Key = key,
                Name = input.Name.Trim(),
                Metadata = input.Metadata,
                MeterSlug = input.MeterSlug,
                MeterGroupByFilters = input.MeterGroupByFilters is { Count: > 0 } filters ? filters : null,
                AdvancedMeterGroupByFilters = input.AdvancedMeterGroupByFilters is { Count: > 0 } advanced ? advanced : null,
                UnitCost = input.UnitCost,
            });
        }, cancellationToken);
    }

    /// <summary>Archives the feature: it keeps existing (old plans and entitlements refer to it) but cannot be sold anew.</summary>
    public Task ArchiveAsync(string idOrKey, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var feature = Find(change.State, idOrKey) ?? throw new BillingNotFoundException($"feature \"{idOrKey}\" not found");
        if (feature.IsArchived)
        {
            throw new BillingConflictException($"feature \"{feature.Key}\" is already archived");
        }

        // Archiving a feature a sellable plan or add-on still names would leave it unpublishable and its subscriptions unpriceable.
        if (PlanService.UsesFeature(change.State, feature.Key, change.Now) || AddonService.UsesFeature(change.State, feature.Key, change.Now))
        {
            throw new BillingConflictException($"feature \"{feature.Key}\" is used by a plan or add-on that is not archived; archive or delete those first");
        }

        return change.Put(Feature.Kind, feature with { ArchivedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    /// <summary>By id, or by key (the live feature with that key).</summary>
    public static Feature? Find(BillingState state, string idOrKey)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Find(Feature.Kind, idOrKey) ?? ByKey(state, idOrKey);
    }

    /// <summary>The live (not archived) feature with <paramref name="key"/>.</summary>
    public static Feature? ByKey(BillingState state, string key)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(FeatureKeys.Build).Live.GetValueOrDefault(key);
    }

    private sealed class FeatureKeys
    {
        public required Dictionary<string, Feature> Live { get; init; }

        public static FeatureKeys Build(BillingState state) => new()
        {
            Live = state.All(Feature.Kind).Where(f => !f.IsArchived).ToDictionary(f => f.Key, StringComparer.Ordinal),
        };
    }
}
