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
/// The effects Tollgate has today: none. Entitlements are built in parallel; the integrator creates the
/// entitlement of <c>item.EntitlementTemplate</c> in <see cref="Started"/> and ends it in <see cref="Ended"/> here,
/// and nowhere else.
/// </summary>
internal sealed class SubscriptionItemEffects : ISubscriptionItemEffects
{
    public void Started(BillingChange change, Subscription subscription, SubscriptionItem item)
    {
        // Entitlements: grant item.FeatureKey per item.EntitlementTemplate to subscription.CustomerId from item.ActiveFrom.
    }

    public void Ended(BillingChange change, Subscription subscription, SubscriptionItem item, DateTimeOffset at)
    {
        // Entitlements: end (or, when at <= item.ActiveFrom, delete) the entitlement Started made for item.
    }
}
