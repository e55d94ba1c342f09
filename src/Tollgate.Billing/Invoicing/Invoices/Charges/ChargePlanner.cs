using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices.Charges;

/// <summary>
/// Lays a subscription's items out as charges, pure: for each item version with a price, every billing period
/// (multiples of the item's cadence from the subscription's anchor) that overlaps the item's active span and has
/// started by a given moment. A one-time fee (no cadence) is one charge at the item's start.
/// </summary>
public static class ChargePlanner
{
    /// <summary>The charges of <paramref name="subscription"/> whose service period starts at or before <paramref name="until"/>.</summary>
    public static IEnumerable<Charge> Charges(Subscription subscription, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (subscription.IsDeleted || subscription.Phases is not { } phases)
        {
            yield break;
        }

        for (var index = 0; index < phases.Count; index++)
        {
            var phase = phases[index];
            foreach (var item in phase.Items)
            {
                if (item.Price is not { } price)
                {
                    continue;
                }

                var start = item.ActiveFrom;
                var end = subscription.ItemEnd(index, item);
                if (end is { } stops && stops <= start)
                {
                    continue;
                }

                foreach (var charge in ItemCharges(subscription, phase, item, price, start, end, until))
                {
                    yield return charge;
                }
            }
        }
    }

    private static IEnumerable<Charge> ItemCharges(
        Subscription subscription, SubscriptionPhase phase, SubscriptionItem item, Price price, DateTimeOffset start, DateTimeOffset? end, DateTimeOffset until)
    {
        var cadenceText = item.BillingCadence;
        if (cadenceText is null)
        {
            // A one-time fee: billed once, at the item's start, for the subscription's billing period it starts in.
            if (start <= until)
            {
                var period = BillingPeriods.PeriodAt(subscription.BillingAnchor, subscription.Cadence(), start);
                yield return Make(subscription, phase, item, price, period, new BillingPeriod(start, end is { } e && e < period.To ? e : period.To));
            }

            yield break;
        }

        var cadence = IsoDuration.Parse("billingCadence", cadenceText);
        var billing = BillingPeriods.PeriodAt(subscription.BillingAnchor, cadence, start);
        while (true)
        {
            var from = billing.From < start ? start : billing.From;
            var to = end is { } stops && stops < billing.To ? stops : billing.To;
            if (from > until || (end is { } last && from >= last))
            {
                yield break;
            }

            yield return Make(subscription, phase, item, price, billing, new BillingPeriod(from, to));
            billing = new BillingPeriod(billing.To, BillingPeriods.NextBoundary(subscription.BillingAnchor, cadence, billing.To));
        }
    }

    private static Charge Make(Subscription subscription, SubscriptionPhase phase, SubscriptionItem item, Price price, BillingPeriod billing, BillingPeriod service) => new()
    {
        Id = Charge.IdOf(subscription.Id, item.Id, service.From),
        Subscription = subscription,
        Phase = phase,
        Item = item,
        BillingPeriod = billing,
        ServicePeriod = service,
        InvoiceAt = price is FlatPrice { PaymentTerm: PaymentTerm.InAdvance } ? service.From : service.To,
        Price = price,
    };
}
