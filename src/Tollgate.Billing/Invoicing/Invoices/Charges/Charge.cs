using System.Security.Cryptography;
using System.Text;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Invoices.Charges;

/// <summary>
/// One thing a subscription bills: an item over one service period (its billing period clipped to when the item is
/// active). Invoice lines bill a charge in one go, or in parts (progressive billing, then late usage), never twice:
/// each line carries <see cref="Id"/>, and a new line bills only what the charge costs now less what lines before it did.
/// </summary>
public sealed record Charge
{
    public required string Id { get; init; }

    public required Subscription Subscription { get; init; }

    public required SubscriptionPhase Phase { get; init; }

    public required SubscriptionItem Item { get; init; }

    /// <summary>The full billing period the service period belongs to (what proration divides by).</summary>
    public required BillingPeriod BillingPeriod { get; init; }

    /// <summary>What is billed: the billing period clipped to the item's active span; start-inclusive, end-exclusive.</summary>
    public required BillingPeriod ServicePeriod { get; init; }

    /// <summary>When it is due: the service period's start for fees in advance, its end otherwise.</summary>
    public required DateTimeOffset InvoiceAt { get; init; }

    /// <summary>What the item's price charges: the price itself (a flat fee) or per metered unit.</summary>
    public required Price Price { get; init; }

    /// <summary>Whether the quantity comes from the feature's meter (every price but a flat one).</summary>
    public bool IsUsage => Price is not FlatPrice;

    /// <summary>
    /// A charge's id: the same subscription, item and service period start always give the same id, on every node
    /// and after every restart, so a period is recognised as billed however its end moves (a cancelation).
    /// </summary>
    public static string IdOf(string subscriptionId, string itemId, DateTimeOffset servicePeriodStart) =>
        DeterministicId.Of(servicePeriodStart, $"charge/{subscriptionId}/{itemId}/{servicePeriodStart.UtcTicks}");
}

/// <summary>ULIDs derived from content: the timestamp part from a moment, the rest from a hash of a key.</summary>
public static class DeterministicId
{
    /// <summary>A ULID for <paramref name="key"/>, sorting by <paramref name="at"/>.</summary>
    public static string Of(DateTimeOffset at, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var timestamp = at < DateTimeOffset.UnixEpoch ? DateTimeOffset.UnixEpoch : at;
        return Ulid.NewUlid(timestamp, hash[..10]).ToString();
    }
}
