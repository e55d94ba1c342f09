using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// OpenMeter's subscription edit operations, applied in order to a running subscription as of now: nothing in the
/// past changes (an item removed from the current phase ends now; one added starts now), future phases change
/// whole. The first operation that does not apply is a 400 naming <c>customizations[i]</c>'s field.
/// </summary>
internal static class SubscriptionEdits
{
    public static Subscription Apply(BillingState state, Subscription subscription, IReadOnlyList<SubscriptionEditOperation?>? operations, DateTimeOffset now)
    {
        if (operations is null)
        {
            throw new BillingValidationException("customizations", "is required");
        }

        if (operations.Count > 100)
        {
            throw new BillingValidationException("customizations", $"has {operations.Count} operations; at most 100 are allowed");
        }

        var phases = subscription.Phases!.ToList();
        for (var i = 0; i < operations.Count; i++)
        {
            var at = $"customizations[{i}]";
            var operation = operations[i] ?? throw new BillingValidationException(at, "must be an operation");
            var current = subscription with { Phases = phases };
            switch (operation.Op)
            {
                case "add_item":
                    AddItem(state, current, phases, operation, at, now);
                    break;
                case "remove_item":
                    RemoveItem(current, phases, operation, at, now);
                    break;
                case "stretch_phase":
                    StretchPhase(current, phases, operation, at, now);
                    break;
                case "add_phase":
                    AddPhase(current, phases, operation, at, now);
                    break;
                case "remove_phase":
                    RemovePhase(current, phases, operation, at, now);
                    break;
                case "unschedule_edit":
                    throw new BillingValidationException($"{at}.op", "unschedule_edit has nothing to take back: Tollgate applies edits when they are made, none wait to be applied");
                case null:
                    throw new BillingValidationException($"{at}.op", "is required (add_item, remove_item, add_phase, remove_phase, stretch_phase, unschedule_edit)");
                default:
                    throw new BillingValidationException($"{at}.op", $"\"{operation.Op}\" is not an operation (add_item, remove_item, add_phase, remove_phase, stretch_phase, unschedule_edit)");
            }
        }

        return subscription with { Phases = phases, UpdatedAt = now };
    }

    private static void AddItem(BillingState state, Subscription subscription, List<SubscriptionPhase> phases, SubscriptionEditOperation operation, string at, DateTimeOffset now)
    {
        var index = OpenPhase(subscription, phases, operation.PhaseKey, at, now);
        var rateCard = operation.RateCard ?? throw new BillingValidationException($"{at}.rateCard", "is required");
        RateCardRules.Validate(state, $"{at}.rateCard", rateCard, subscription.Cadence());
        var phase = phases[index];
        var start = phase.ActiveFrom > now ? phase.ActiveFrom : now;
        if (phase.Items.Any(item => item.Key == rateCard.Key && (subscription.ItemEnd(index, item) is not { } end || end > start)))
        {
            throw new BillingValidationException($"{at}.rateCard.key", $"phase \"{phase.Key}\" already has item \"{rateCard.Key}\"; remove it first to replace it");
        }

        var billable = phase.Items.Where(item => item.Price is not null && (subscription.ItemEnd(index, item) is not { } end || end > start))
            .Select(item => item.ToRateCard()).Append(rateCard).ToList();
        PlanRules.CadencesAlign($"{at}.rateCard", billable);
        phases[index] = phase with { Items = [.. phase.Items, SubscriptionItem.From(rateCard, start, now)], UpdatedAt = now };
    }

    private static void RemoveItem(Subscription subscription, List<SubscriptionPhase> phases, SubscriptionEditOperation operation, string at, DateTimeOffset now)
    {
        var index = OpenPhase(subscription, phases, operation.PhaseKey, at, now);
        var key = operation.ItemKey ?? throw new BillingValidationException($"{at}.itemKey", "is required");
        var phase = phases[index];
        var item = phase.Items.LastOrDefault(i => i.Key == key && (subscription.ItemEnd(index, i) is not { } end || end > now))
            ?? throw new BillingValidationException($"{at}.itemKey", $"phase \"{phase.Key}\" has no item \"{key}\" that is active or to come");
        var items = phase.Items.ToList();
        var position = items.IndexOf(item);
        if (item.ActiveFrom >= now)
        {
            items.RemoveAt(position);
        }
        else
        {
            items[position] = item with { ActiveTo = now, UpdatedAt = now };
        }

        phases[index] = phase with { Items = items, UpdatedAt = now };
    }

    private static void StretchPhase(Subscription subscription, List<SubscriptionPhase> phases, SubscriptionEditOperation operation, string at, DateTimeOffset now)
    {
        var index = OpenPhase(subscription, phases, operation.PhaseKey, at, now);
        if (index == phases.Count - 1)
        {
            throw new BillingValidationException($"{at}.phaseKey", $"phase \"{phases[index].Key}\" is the last one and has no end to stretch");
        }

        var extendBy = IsoDuration.Parse($"{at}.extendBy", operation.ExtendBy);
        if (extendBy.IsZero)
        {
            throw new BillingValidationException($"{at}.extendBy", "must be longer than zero");
        }

        Shift(subscription, phases, index + 1, offset => BillingPeriods.Sum(offset, extendBy), now);
    }

    private static void AddPhase(Subscription subscription, List<SubscriptionPhase> phases, SubscriptionEditOperation operation, string at, DateTimeOffset now)
    {
        var input = operation.Phase ?? throw new BillingValidationException($"{at}.phase", "is required");
        var key = Keys.Require($"{at}.phase.key", input.Key);
        if (phases.Exists(p => p.Key == key))
        {
            throw new BillingValidationException($"{at}.phase.key", $"\"{key}\" is already the key of a phase");
        }

        RateCardRules.Text($"{at}.phase.name", input.Name, 256, required: true);
        RateCardRules.Text($"{at}.phase.description", input.Description, 1024, required: false);
        var startAfter = input.StartAfter is null ? default : IsoDuration.Parse($"{at}.phase.startAfter", input.StartAfter);
        var start = startAfter.AddTo(subscription.ActiveFrom);
        if (start < now)
        {
            throw new BillingValidationException($"{at}.phase.startAfter", $"the phase would start at {start:O}, in the past; phases are added from now on");
        }

        IsoDuration? duration = input.Duration is null ? null : IsoDuration.Parse($"{at}.phase.duration", input.Duration);
        if (duration is { IsAtLeastAnHour: false })
        {
            throw new BillingValidationException($"{at}.phase.duration", "must be at least 1 hour");
        }

        // The new phase goes before the first phase starting at or after it; those after it move by its duration.
        var position = phases.FindIndex(p => p.ActiveFrom >= start);
        if (position < 0)
        {
            position = phases.Count;
        }
        else if (duration is not { } length)
        {
            throw new BillingValidationException($"{at}.phase.duration", "is required when the phase will not be the last one");
        }
        else
        {
            Shift(subscription, phases, position, offset => BillingPeriods.Sum(offset, length), now);
        }

        phases.Insert(position, new SubscriptionPhase
        {
            Id = Ulid.NewUlid().ToString(),
            Key = key,
            Name = input.Name!,
            Description = input.Description,
            CreatedAt = now,
            UpdatedAt = now,
            StartAfter = startAfter.ToString(),
            ActiveFrom = start,
            Items = [],
        });
    }

    private static void RemovePhase(Subscription subscription, List<SubscriptionPhase> phases, SubscriptionEditOperation operation, string at, DateTimeOffset now)
    {
        var index = FindPhase(phases, operation.PhaseKey, at);
        if (operation.Shift is not ("next" or "prev"))
        {
            throw new BillingValidationException($"{at}.shift", "must be next (later phases move up) or prev (the phase before lasts longer)");
        }

        if (phases[index].ActiveFrom <= now)
        {
            throw new BillingValidationException($"{at}.phaseKey", $"phase \"{phases[index].Key}\" has started; only future phases can be removed");
        }

        var removed = phases[index];
        phases.RemoveAt(index);
        if (operation.Shift == "next" && index < phases.Count)
        {
            // Later phases start earlier by the removed phase's length, part by part as offsets are summed.
            var length = Difference(IsoDuration.Parse("startAfter", phases[index].StartAfter), IsoDuration.Parse("startAfter", removed.StartAfter));
            Shift(subscription, phases, index, offset => Difference(offset, length), now);
        }
    }

    /// <summary>The phases from <paramref name="from"/> on, moved to the offsets <paramref name="move"/> gives.</summary>
    private static void Shift(Subscription subscription, List<SubscriptionPhase> phases, int from, Func<IsoDuration, IsoDuration> move, DateTimeOffset now)
    {
        for (var p = from; p < phases.Count; p++)
        {
            phases[p] = SubscriptionSchedule.MoveTo(phases[p], move(IsoDuration.Parse("startAfter", phases[p].StartAfter)), subscription.ActiveFrom, now);
        }
    }

    /// <summary>A phase that has not ended, by key.</summary>
    private static int OpenPhase(Subscription subscription, List<SubscriptionPhase> phases, string? phaseKey, string at, DateTimeOffset now)
    {
        var index = FindPhase(phases, phaseKey, at);
        if (subscription.PhaseEnd(index) is { } end && end <= now)
        {
            throw new BillingValidationException($"{at}.phaseKey", $"phase \"{phaseKey}\" ended at {end:O}; the past is not edited");
        }

        return index;
    }

    private static int FindPhase(List<SubscriptionPhase> phases, string? phaseKey, string at)
    {
        if (phaseKey is null)
        {
            throw new BillingValidationException($"{at}.phaseKey", "is required");
        }

        var index = phases.FindIndex(p => p.Key == phaseKey);
        return index >= 0 ? index : throw new BillingValidationException($"{at}.phaseKey", $"the subscription has no phase \"{phaseKey}\" (its phases: {string.Join(", ", phases.Select(p => p.Key))})");
    }

    private static IsoDuration Difference(IsoDuration a, IsoDuration b) => new(
        a.Years - b.Years, a.Months - b.Months, a.Weeks - b.Weeks, a.Days - b.Days, a.Hours - b.Hours, a.Minutes - b.Minutes, a.Seconds - b.Seconds);
}
