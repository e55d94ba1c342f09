using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Entitlements;
using Tollgate.Billing.Storage;
using Tollgate.Gateway.Access;
using Tollgate.Store;
using Tollgate.Store.Counters;

namespace Tollgate.Billing.Access;

/// <summary>
/// The gateway's real-time entitlement check. The consumer's customer and entitlement come from the in-memory
/// billing state. A metered hard limit is a shared counter per entitlement and usage period: each request holds its
/// worst case there before it is proxied and settles the real tokens after, so concurrent requests on any node
/// cannot spend more than the limit between them. The counter's limit is refreshed from the entitlement's balance
/// in the background, so the request path never waits on the store or the meter after the first request of a period.
/// </summary>
internal sealed partial class GatewayAccess(
    BillingRepository repository, EntitlementBalances balances, SharedCounters counters, TimeProvider time, ILogger<GatewayAccess> logger)
    : BackgroundService, IGatewayAccess
{
    /// <summary>How often the limits in use are recomputed from grants and metered usage.</summary>
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>A limit not asked for in this long is dropped (and recomputed if it is asked for again).</summary>
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, MeteredLimit> _limits = new(StringComparer.Ordinal);

    public async ValueTask<AccessDecision> AdmitAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var state = repository.Current;
        var now = time.GetUtcNow();
        var subject = request.ConsumerUsername ?? request.ConsumerCustomId;
        if (subject is null)
        {
            return AccessDecision.Refuse(AccessDenial.NoAccess, $"feature '{request.Feature}' needs an authenticated consumer (add key-auth to the route)");
        }

        var lookup = CustomerLookup.Of(state);
        var customer = lookup.BySubject(subject) ?? (request.ConsumerCustomId is { } customId ? lookup.BySubject(customId) : null);
        if (customer is null)
        {
            return AccessDecision.Refuse(AccessDenial.NoAccess, $"consumer '{subject}' belongs to no customer, so it has no access to feature '{request.Feature}'");
        }

        var entitlement = EntitlementService.Find(state, customer, request.Feature, now);
        if (entitlement is null || !entitlement.IsActiveAt(now))
        {
            return AccessDecision.Refuse(AccessDenial.NoAccess, $"customer '{customer.Name}' has no access to feature '{request.Feature}'");
        }

        if (entitlement.Type != Entitlement.Metered || entitlement.IsSoftLimit)
        {
            // Boolean and static entitlements grant access while active; a soft limit meters but never refuses.
            return AccessDecision.Admitted;
        }

        if (!_limits.TryGetValue(entitlement.Id, out var limit) || !limit.Covers(now) || limit.EntitlementUpdatedAt != entitlement.UpdatedAt)
        {
            // The first request of a period (or after a reset or override) computes the limit; later ones use the
            // background's figure.
            limit = await ComputeAsync(state, entitlement, now, cancellationToken);
            _limits[entitlement.Id] = limit;
        }

        limit.LastAsked = now;
        // A request that is not metered (a plain route) still needs a unit left; it holds one and gives it back.
        var reservation = await counters.ReserveAsync(limit.Key, limit.Amount, Math.Max(request.WorstCase, 1), cancellationToken);
        if (!reservation.IsGranted)
        {
            return AccessDecision.Refuse(AccessDenial.LimitReached, request.WorstCase > 1
                ? $"the limit of feature '{request.Feature}' for customer '{customer.Name}' is used up: this request may use up to {request.WorstCase} and not that much is left"
                : $"the limit of feature '{request.Feature}' for customer '{customer.Name}' is used up");
        }

        return AccessDecision.Admit(used => counters.Settle(reservation, used));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await Pause.WaitAsync(RefreshInterval, time, stoppingToken))
            {
                await RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Recomputes every limit asked for lately; drops idle ones and those of entitlements that ended.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var state = repository.Current;
        var now = time.GetUtcNow();
        foreach (var (id, limit) in _limits)
        {
            var entitlement = state.Find(Entitlement.Kind, id);
            if (now - limit.LastAsked > IdleAfter || entitlement is null || !entitlement.IsActiveAt(now))
            {
                _limits.TryRemove(id, out _);
                continue;
            }

            try
            {
                _limits[id] = await ComputeAsync(state, entitlement, now, cancellationToken) with { LastAsked = limit.LastAsked };
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The old figure stays in force; the next tick tries again.
                LogRefreshFailed(logger, id, exception);
            }
        }
    }

    /// <summary>
    /// The counter's limit for the current period: the balance the meter shows, plus the part of the period's
    /// usage the counter already holds. All usage through the gateway lands in both, the meter a little later than
    /// the counter; counting the smaller of the two once keeps the sum exact when the meter lags, and counts usage
    /// from elsewhere (or from before the plugin was on) in full.
    /// </summary>
    private async Task<MeteredLimit> ComputeAsync(BillingState state, Entitlement entitlement, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var from = entitlement.LastResetAt(now);
        var to = entitlement.UsagePeriodAt(now)?.PeriodAt(now).To ?? DateTimeOffset.MaxValue;
        if (entitlement.ActiveTo is { } end && end < to)
        {
            to = end;
        }

        var key = new CounterKey($"entitlement:{entitlement.Id}", from, to);
        var value = await balances.ValueAsync(state, entitlement, now, cancellationToken);
        // This node's settled usage goes to the store first, so the counter's figure is at least the meter's for
        // this node's traffic (a call settles its counter before its usage events are queued).
        await counters.FlushAsync(cancellationToken: cancellationToken);
        var counted = await counters.ReadAsync(key, cancellationToken);
        var amount = (value.Balance ?? 0) + Math.Min(value.Usage ?? 0, counted.Used);
        return new MeteredLimit(key, Math.Max(amount, 0), entitlement.UpdatedAt) { LastAsked = now };
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Refreshing the gateway limit of entitlement {EntitlementId} failed; the previous limit stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, string entitlementId, Exception exception);

    /// <summary>A metered entitlement's counter for one usage period and the limit it enforces.</summary>
    private sealed record MeteredLimit(CounterKey Key, decimal Amount, DateTimeOffset EntitlementUpdatedAt)
    {
        public DateTimeOffset LastAsked { get; set; }

        public bool Covers(DateTimeOffset at) => Key.WindowStart <= at && at < Key.WindowEnd;
    }
}
