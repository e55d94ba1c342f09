using System.Text.Json;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Entitlements;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// The one seam through which everything that follows an item's schedule learns of it — entitlements first. Every
/// place where a subscription item starts or stops being active calls it, inside the same
/// <see cref="BillingRepository.ChangeAsync{TResult}"/> lambda, so what it puts is stored atomically with the
/// subscription (or not at all).
/// </summary>
public interface ISubscriptionItemEffects
{
    /// <summary>
    /// <paramref name="item"/> is (again) scheduled: active from its <c>ActiveFrom</c> (possibly in the future) until
    /// <paramref name="subscription"/>'s <see cref="Subscription.ItemEnd"/> for it (null: open-ended). Called when a
    /// subscription is created, when an item or phase is added, and when a cancelation is taken back (the end moves
    /// out again).
    /// </summary>
    void Started(BillingChange change, Subscription subscription, SubscriptionItem item);

    /// <summary>
    /// <paramref name="item"/> stops at <paramref name="at"/>: canceled, changed, removed, or its phase shortened.
    /// An <paramref name="at"/> at or before the item's <c>ActiveFrom</c> means it never takes effect (a scheduled
    /// subscription deleted, a future phase or item removed). <paramref name="subscription"/> is the new state.
    /// </summary>
    void Ended(BillingChange change, Subscription subscription, SubscriptionItem item, DateTimeOffset at);
}

/// <summary>
/// Tollgate's item effects: an item whose rate card carries an entitlement template grants that entitlement to the
/// customer over the item's active span; the entitlement carries the subscription and item ids in its annotations
/// (as OpenMeter marks subscription-managed entitlements) and is ended, or removed if it never started, with the item.
/// </summary>
internal sealed class SubscriptionItemEffects : ISubscriptionItemEffects
{
    public const string SubscriptionAnnotation = "subscription.id";
    public const string ItemAnnotation = "subscription.item.id";

    public void Started(BillingChange change, Subscription subscription, SubscriptionItem item)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(item);
        if (item.EntitlementTemplate is not { } template || item.FeatureKey is not { } featureKey)
        {
            return;
        }

        var end = EndOf(subscription, item);
        if (Managed(change.State, subscription, item) is { } existing)
        {
            // Scheduled again (a cancelation taken back, a phase stretched): the same entitlement, with the new end.
            change.Put(Entitlement.Kind, existing with { ActiveTo = end, UpdatedAt = change.Now });
            return;
        }

        var customer = change.State.Find(Customer.Kind, subscription.CustomerId)
            ?? throw new BillingNotFoundException($"customer \"{subscription.CustomerId}\" of subscription \"{subscription.Id}\" not found");
        var inputs = template switch
        {
            MeteredEntitlementTemplate metered => new EntitlementCreateInputs
            {
                Type = Entitlement.Metered,
                FeatureKey = featureKey,
                Metadata = template.Metadata,
                IsSoftLimit = metered.IsSoftLimit,
                PreserveOverageAtReset = metered.PreserveOverageAtReset,
                IssueAfterReset = metered.IssueAfterReset,
                IssueAfterResetPriority = metered.IssueAfterResetPriority,
                // Without a usage period of its own, the allowance renews with the item's billing (OpenMeter's default).
                UsagePeriod = new RecurringPeriodInput
                {
                    Interval = metered.UsagePeriod ?? item.BillingCadence ?? subscription.BillingCadence,
                    Anchor = subscription.BillingAnchor,
                },
            },
            StaticEntitlementTemplate fixedConfig => new EntitlementCreateInputs { Type = Entitlement.Static, FeatureKey = featureKey, Metadata = template.Metadata, Config = fixedConfig.Config },
            _ => new EntitlementCreateInputs { Type = Entitlement.Boolean, FeatureKey = featureKey, Metadata = template.Metadata },
        };
        EntitlementService.Create(change, customer, inputs, new EntitlementPlacement
        {
            ActiveFrom = item.ActiveFrom,
            ActiveTo = end,
            Annotations = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                [SubscriptionAnnotation] = Text(subscription.Id),
                [ItemAnnotation] = Text(item.Id),
            },
        });
    }

    public void Ended(BillingChange change, Subscription subscription, SubscriptionItem item, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(item);
        if (Managed(change.State, subscription, item) is not { } entitlement)
        {
            return;
        }

        if (at <= entitlement.ActiveFrom)
        {
            EntitlementService.Delete(change, entitlement);
        }
        else
        {
            EntitlementService.End(change, entitlement, at);
        }
    }

    /// <summary>The live entitlement an item granted, found by its annotation.</summary>
    private static Entitlement? Managed(BillingState state, Subscription subscription, SubscriptionItem item) =>
        EntitlementLookup.Of(state).ForCustomer(subscription.CustomerId).FirstOrDefault(e =>
            !e.IsDeleted
            && e.Annotations is { } annotations
            && annotations.TryGetValue(ItemAnnotation, out var id)
            && id.ValueKind == JsonValueKind.String
            && id.GetString() == item.Id);

    private static JsonElement Text(string value)
    {
        using var document = JsonDocument.Parse("\"" + JsonEncodedText.Encode(value) + "\"");
        return document.RootElement.Clone();
    }

    private static DateTimeOffset? EndOf(Subscription subscription, SubscriptionItem item)
    {
        var phases = subscription.Phases ?? [];
        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i].Items.Any(candidate => candidate.Id == item.Id))
            {
                return subscription.ItemEnd(i, item);
            }
        }

        return item.ActiveTo ?? subscription.ActiveTo;
    }
}
