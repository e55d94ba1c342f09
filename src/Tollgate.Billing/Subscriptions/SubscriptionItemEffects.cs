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
/// The effects Tollgate has: an item with an entitlement template gives the customer that entitlement for as long as
/// the item runs (as OpenMeter's subscriptions do), annotated with the subscription (<c>subscription.id</c>, as OpenMeter
/// does) and the item, so ending, resuming or dropping the item finds it again.
/// </summary>
internal sealed class SubscriptionItemEffects : ISubscriptionItemEffects
{
    private const string SubscriptionAnnotation = "subscription.id";
    private const string ItemAnnotation = "subscription.item.id";

    public void Started(BillingChange change, Subscription subscription, SubscriptionItem item)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(item);
        if (item.EntitlementTemplate is not { } template || item.FeatureKey is not { } featureKey)
        {
            return;
        }

        var end = End(subscription, item);
        if (Find(change.State, subscription, item) is { } existing)
        {
            // Running longer again (a cancelation taken back): the same entitlement, its usage and grants, goes on.
            change.Put(Entitlement.Kind, existing with { ActiveTo = end, UpdatedAt = change.Now });
            return;
        }

        var customer = change.State.Find(Customer.Kind, subscription.CustomerId)
            ?? throw new BillingNotFoundException($"customer \"{subscription.CustomerId}\" not found");
        EntitlementService.Create(change, customer, Inputs(template, featureKey, subscription, item), new EntitlementPlacement
        {
            ActiveFrom = item.ActiveFrom,
            ActiveTo = end,
            Annotations = new(StringComparer.Ordinal)
            {
                [SubscriptionAnnotation] = JsonSerializer.SerializeToElement(subscription.Id, EntitlementJson.Default.String),
                [ItemAnnotation] = JsonSerializer.SerializeToElement(item.Id, EntitlementJson.Default.String),
            },
        });
    }

    public void Ended(BillingChange change, Subscription subscription, SubscriptionItem item, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(item);
        if (Find(change.State, subscription, item) is not { } entitlement)
        {
            return;
        }

        // Never started: nothing to keep. Otherwise it ends, its history stays.
        _ = at <= entitlement.ActiveFrom ? EntitlementService.Delete(change, entitlement) : EntitlementService.End(change, entitlement, at);
    }

    private static DateTimeOffset? End(Subscription subscription, SubscriptionItem item)
    {
        for (var p = 0; p < subscription.Phases!.Count; p++)
        {
            if (subscription.Phases[p].Items.Any(i => i.Id == item.Id))
            {
                return subscription.ItemEnd(p, item);
            }
        }

        return item.ActiveTo ?? subscription.ActiveTo;
    }

    private static Entitlement? Find(BillingState state, Subscription subscription, SubscriptionItem item) =>
        EntitlementLookup.Of(state).ForCustomer(subscription.CustomerId).FirstOrDefault(e => !e.IsDeleted
            && e.Annotations is { } annotations
            && annotations.TryGetValue(ItemAnnotation, out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == item.Id);

    /// <summary>The template as entitlement inputs; a metered one's usage period runs from the subscription's billing anchor.</summary>
    private static EntitlementCreateInputs Inputs(EntitlementTemplate template, string featureKey, Subscription subscription, SubscriptionItem item) => template switch
    {
        BooleanEntitlementTemplate => new() { Type = Entitlement.Boolean, FeatureKey = featureKey, Metadata = template.Metadata },
        StaticEntitlementTemplate s => new() { Type = Entitlement.Static, FeatureKey = featureKey, Metadata = template.Metadata, Config = s.Config },
        MeteredEntitlementTemplate m => new()
        {
            Type = Entitlement.Metered,
            FeatureKey = featureKey,
            Metadata = template.Metadata,
            IsSoftLimit = m.IsSoftLimit,
            PreserveOverageAtReset = m.PreserveOverageAtReset,
            IssueAfterReset = m.IssueAfterReset,
            IssueAfterResetPriority = m.IssueAfterResetPriority,
            UsagePeriod = new() { Interval = m.UsagePeriod ?? item.BillingCadence ?? subscription.BillingCadence, Anchor = subscription.BillingAnchor },
            MeasureUsageFrom = JsonSerializer.SerializeToElement(item.ActiveFrom, EntitlementJson.Default.DateTimeOffset),
        },
        _ => throw new InvalidOperationException($"unknown entitlement template {template.GetType().Name}"),
    };
}
