using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// Values and histories of entitlements: measures the feature's usage for the customer's subjects in each segment
/// <see cref="BalanceEngine"/> asks for, and lets the engine burn it down. Also the gateway's real-time check.
/// </summary>
public sealed class EntitlementBalances(BillingRepository repository, MeterCatalog meters, MeterQueryService queries)
{
    /// <summary>More history windows than this in one answer is a mistake, refused with a 400.</summary>
    public const int MaxWindows = 10_000;

    /// <summary>
    /// For the gateway: may <paramref name="customerIdOrKey"/> use <paramref name="featureKey"/> at <paramref name="at"/>,
    /// and for a metered feature, what balance is left and whether the limit is hard (no access at zero).
    /// </summary>
    public async Task<EntitlementAccess> CheckAsync(string customerIdOrKey, string featureKey, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var state = repository.Current;
        if (CustomerLookup.Find(state, customerIdOrKey) is not { } customer
            || EntitlementService.Find(state, customer, featureKey, at) is not { } entitlement
            || !entitlement.IsActiveAt(at))
        {
            return new EntitlementAccess(false, null, null, null, false);
        }

        var value = await ValueAsync(state, entitlement, at, cancellationToken);
        return new EntitlementAccess(value.HasAccess, entitlement.Id, entitlement.Type, value.Balance, entitlement.Type == Entitlement.Metered && !entitlement.IsSoftLimit);
    }

    /// <summary>The customer's access: the value now of every entitlement active now, by feature key.</summary>
    public async Task<CustomerAccess> AccessAsync(BillingState state, Customer customer, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var values = new Dictionary<string, EntitlementValue>(StringComparer.Ordinal);
        foreach (var entitlement in EntitlementLookup.Of(state).ForCustomer(customer.Id).Where(e => e.IsActiveAt(at)).OrderBy(e => e.FeatureKey, StringComparer.Ordinal))
        {
            values[entitlement.FeatureKey] = await ValueAsync(state, entitlement, at, cancellationToken) with { GrantBalances = null };
        }

        return new CustomerAccess(values);
    }

    /// <summary>The entitlement's value at <paramref name="at"/>; an inactive (not yet started, ended, deleted) one gives no access.</summary>
    public async Task<EntitlementValue> ValueAsync(BillingState state, Entitlement entitlement, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entitlement);
        if (!entitlement.IsActiveAt(at))
        {
            return new EntitlementValue { HasAccess = false };
        }

        switch (entitlement.Type)
        {
            case Entitlement.Boolean:
                return new EntitlementValue { HasAccess = true };
            case Entitlement.Static:
                return new EntitlementValue { HasAccess = true, Config = entitlement.Config };
        }

        var result = await ReplayAsync(state, entitlement, at, null, cancellationToken);
        return new EntitlementValue
        {
            HasAccess = entitlement.IsSoftLimit || result.Balance > 0,
            Balance = Normal(result.Balance),
            Usage = Normal(result.UsageInPeriod),
            Overage = Normal(result.Overage),
            TotalAvailableGrantAmount = Normal(result.TotalAvailableGrantAmount),
            GrantBalances = result.GrantBalances.ToDictionary(g => g.Key, g => Normal(g.Value), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// OpenMeter's windowed history of a metered entitlement between <paramref name="from"/> and <paramref name="to"/>:
    /// usage and the balance at the start of each window with usage, and the burn-down segments in that span.
    /// </summary>
    public async Task<WindowedBalanceHistory> HistoryAsync(BillingState state, Entitlement entitlement, DateTimeOffset from, DateTimeOffset to, TimeWindows windows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entitlement);
        ArgumentNullException.ThrowIfNull(windows);
        var bounds = new List<(DateTimeOffset From, DateTimeOffset To)>();
        for (var start = windows.StartOf(from); start < to;)
        {
            var end = windows.EndOf(start);
            bounds.Add((start < from ? from : start, end > to ? to : end));
            if (bounds.Count > MaxWindows)
            {
                throw new BillingValidationException("windowSize", $"the history spans more than {MaxWindows} windows; use a larger windowSize or a shorter range");
            }

            start = end;
        }

        var cut = await ReplayAsync(state, entitlement, to, [from, .. bounds.Select(b => b.From)], cancellationToken);
        var windowed = new List<BalanceHistoryWindow>();
        foreach (var (windowFrom, windowTo) in bounds)
        {
            var inside = cut.Segments.Where(s => s.From >= windowFrom && s.To <= windowTo).ToList();
            var usage = inside.Sum(s => s.Usage);
            if (usage != 0)
            {
                windowed.Add(new BalanceHistoryWindow(new Period(windowFrom, windowTo), Normal(usage), Normal(inside[0].BalanceAtStart)));
            }
        }

        var plain = await ReplayAsync(state, entitlement, to, [from], cancellationToken);
        var burndown = plain.Segments
            .Where(s => s.From >= from)
            .Select(s => new GrantBurnDownHistorySegment(
                new Period(s.From, s.To),
                Normal(s.Usage),
                Normal(s.Overage),
                Normal(s.BalanceAtStart),
                s.GrantBalancesAtStart.ToDictionary(g => g.Key, g => Normal(g.Value), StringComparer.Ordinal),
                Normal(s.BalanceAtEnd),
                s.GrantBalancesAtEnd.ToDictionary(g => g.Key, g => Normal(g.Value), StringComparer.Ordinal),
                [.. s.GrantUsages.Select(u => u with { Usage = Normal(u.Usage) })]))
            .ToList();
        return new WindowedBalanceHistory(windowed, burndown);
    }

    /// <summary>Replays the entitlement from its usage start to <paramref name="to"/>.</summary>
    public async Task<BalanceResult> ReplayAsync(BillingState state, Entitlement entitlement, DateTimeOffset to, IEnumerable<DateTimeOffset>? extraCuts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entitlement);
        if (entitlement.ActiveTo is { } ends && ends < to)
        {
            to = ends;
        }

        var timeline = new BalanceTimeline(
            entitlement.MeasureUsageFrom ?? entitlement.ActiveFrom,
            [.. EntitlementLookup.Of(state).Grants(entitlement.Id).Select(g => g.ToBurnable())],
            entitlement.ResetsUntil(to));
        var usage = new List<UsageSegment>();
        var feature = state.Find(Feature.Kind, entitlement.FeatureId);
        var meter = feature?.MeterSlug is { } slug ? meters.Current.Find(slug) : null;
        var subjects = state.Find(Customer.Kind, entitlement.CustomerId)?.UsageSubjects ?? [];
        foreach (var (from, until) in BalanceEngine.Segments(timeline, to, extraCuts))
        {
            var used = 0m;

            // No meter (deleted) or no subjects: nothing is attributed to the customer, so nothing is used.
            if (meter is not null && feature is not null && subjects.Count > 0)
            {
                var result = await queries.QueryAsync(meter, feature.UsageQuery(new MeterQuery { From = from, To = until, Subjects = subjects }), cancellationToken);
                used = result.Data.Sum(r => r.Value);
            }

            usage.Add(new UsageSegment(from, until, used));
        }

        return BalanceEngine.Run(timeline, to, usage);
    }

    /// <summary>The same value without trailing zeros, so 100.000 answers as 100.</summary>
    private static decimal Normal(decimal value) => value / 1.0000000000000000000000000000m;
}
