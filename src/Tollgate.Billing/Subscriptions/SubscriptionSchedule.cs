using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// Places a plan's phases and rate cards in time, and tells which items are in effect when; every mutation compares
/// the schedule before and after (<see cref="Reconcile"/>) so <see cref="ISubscriptionItemEffects"/> hears of each
/// item that starts or stops, from one place.
/// </summary>
internal static class SubscriptionSchedule
{
    /// <summary>
    /// The phases of <paramref name="plan"/> from <paramref name="startingPhase"/> on, starting at
    /// <paramref name="activeFrom"/>: each phase at activeFrom + the summed durations before it, the last open-ended.
    /// </summary>
    public static IReadOnlyList<SubscriptionPhase> PhasesOf(Plan plan, string? startingPhase, DateTimeOffset activeFrom, DateTimeOffset now, string startingPhaseField)
    {
        var first = 0;
        if (startingPhase is not null)
        {
            first = plan.Phases.ToList().FindIndex(p => p.Key == startingPhase);
            if (first < 0)
            {
                throw new BillingValidationException(startingPhaseField, $"plan \"{plan.Key}\" has no phase \"{startingPhase}\" (its phases: {string.Join(", ", plan.Phases.Select(p => p.Key))})");
            }
        }

        IsoDuration offset = default;
        var phases = new List<SubscriptionPhase>();
        for (var i = first; i < plan.Phases.Count; i++)
        {
            var phase = plan.Phases[i];
            var start = offset.AddTo(activeFrom);
            phases.Add(new SubscriptionPhase
            {
                Id = Ulid.NewUlid().ToString(),
                Key = phase.Key,
                Name = phase.Name,
                Description = phase.Description,
                Metadata = phase.Metadata,
                CreatedAt = now,
                UpdatedAt = now,
                StartAfter = offset.ToString(),
                ActiveFrom = start,
                Items = [.. phase.RateCards.Select(rc => SubscriptionItem.From(rc, start, now))],
            });
            if (phase.Duration is not null)
            {
                offset = BillingPeriods.Sum(offset, IsoDuration.Parse($"phases[{i}].duration", phase.Duration));
            }
        }

        return phases;
    }

    /// <summary><paramref name="phase"/> moved to start <paramref name="startAfter"/> after the subscription's start, its items with it.</summary>
    public static SubscriptionPhase MoveTo(SubscriptionPhase phase, IsoDuration startAfter, DateTimeOffset subscriptionStart, DateTimeOffset now)
    {
        var start = startAfter.AddTo(subscriptionStart);
        return phase with
        {
            StartAfter = startAfter.ToString(),
            ActiveFrom = start,
            UpdatedAt = now,
            // Items that began with the phase move with it (earlier or later); one added later never starts before it.
            Items = [.. phase.Items.Select(i => i.ActiveFrom == phase.ActiveFrom || i.ActiveFrom < start ? i with { ActiveFrom = start, UpdatedAt = now } : i)],
        };
    }

    /// <summary>Every item in effect at some time, with when: items of a deleted subscription, and items cut before they start, are not.</summary>
    public static Dictionary<string, (SubscriptionItem Item, DateTimeOffset? End)> Effective(Subscription? subscription)
    {
        var items = new Dictionary<string, (SubscriptionItem, DateTimeOffset?)>(StringComparer.Ordinal);
        if (subscription is null || subscription.IsDeleted || subscription.Phases is null)
        {
            return items;
        }

        for (var p = 0; p < subscription.Phases.Count; p++)
        {
            foreach (var item in subscription.Phases[p].Items)
            {
                var end = subscription.ItemEnd(p, item);
                if (end is not { } e || e > item.ActiveFrom)
                {
                    items[item.Id] = (item, end);
                }
            }
        }

        return items;
    }

    /// <summary>
    /// Tells <paramref name="effects"/> what changed between <paramref name="before"/> and <paramref name="after"/>:
    /// items new or running longer are started, items cut short or gone are ended.
    /// </summary>
    public static void Reconcile(BillingChange change, ISubscriptionItemEffects effects, Subscription? before, Subscription after)
    {
        var old = Effective(before);
        var now = Effective(after);
        foreach (var (id, (item, end)) in now)
        {
            if (!old.TryGetValue(id, out var previous))
            {
                effects.Started(change, after, item);
            }
            else if (end != previous.End)
            {
                if (end is not { } newEnd || (previous.End is { } oldEnd && newEnd > oldEnd))
                {
                    effects.Started(change, after, item);
                }
                else
                {
                    effects.Ended(change, after, item, newEnd);
                }
            }
        }

        foreach (var (id, (item, _)) in old)
        {
            if (!now.ContainsKey(id))
            {
                // Gone before it started (a future item, phase or a scheduled subscription): it never takes effect.
                effects.Ended(change, after, item, item.ActiveFrom > change.Now ? item.ActiveFrom : change.Now);
            }
        }
    }
}
