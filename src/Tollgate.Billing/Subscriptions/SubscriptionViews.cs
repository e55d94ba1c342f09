using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// OpenMeter's <c>SubscriptionExpanded</c> at a moment: the phases that run (those starting at or after the end of
/// a canceled subscription do not), each with its end, its item versions by key, and one item per key: in the
/// current phase the one active at that moment, in a past phase the last, in a future phase the first.
/// </summary>
internal static class SubscriptionViews
{
    public static Subscription Expanded(BillingState state, Subscription subscription, DateTimeOffset at)
    {
        var phases = new List<SubscriptionPhase>();
        var stored = subscription.Phases ?? [];
        for (var p = 0; p < stored.Count; p++)
        {
            var phase = stored[p];
            if (subscription.ActiveTo is { } to && phase.ActiveFrom >= to && p > 0)
            {
                continue;
            }

            var end = subscription.PhaseEnd(p);
            var versions = phase.Items
                .Select(item => Shown(state, item, subscription.ItemEnd(p, item)))
                .Where(item => item.ActiveTo is not { } e || e > item.ActiveFrom)
                .ToList();
            var timelines = versions.GroupBy(i => i.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<SubscriptionItem>)[.. g.OrderBy(i => i.ActiveFrom)], StringComparer.Ordinal);
            var past = end is { } e2 && e2 <= at;
            var future = phase.ActiveFrom > at;
            var items = new List<SubscriptionItem>();
            foreach (var timeline in timelines.Values)
            {
                var shown = past ? timeline[^1]
                    : future ? timeline[0]
                    : timeline.LastOrDefault(i => i.ActiveFrom <= at && (i.ActiveTo is not { } itemEnd || at < itemEnd));
                if (shown is not null)
                {
                    items.Add(shown);
                }
            }

            phases.Add(phase with { ActiveTo = end, Items = items, ItemTimelines = timelines });
        }

        return subscription.AsOf(at) with { Phases = phases };
    }

    private static SubscriptionItem Shown(BillingState state, SubscriptionItem item, DateTimeOffset? end) => item with
    {
        ActiveTo = end,
        Included = item.FeatureKey is { } key && FeatureService.ByKey(state, key) is { } feature ? new SubscriptionItemIncluded(feature) : null,
    };
}
