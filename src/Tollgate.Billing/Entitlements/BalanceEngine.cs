namespace Tollgate.Billing.Entitlements;

/// <summary>A grant as the balance engine burns it down.</summary>
public sealed record BurnableGrant
{
    public required string Id { get; init; }

    public required decimal Amount { get; init; }

    /// <summary>Lower burns first.</summary>
    public required int Priority { get; init; }

    public required DateTimeOffset EffectiveAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? VoidedAt { get; init; }

    /// <summary>At a reset the balance becomes min(max, max(balance, min)).</summary>
    public decimal MinRolloverAmount { get; init; }

    public required decimal MaxRolloverAmount { get; init; }

    /// <summary>When set, the balance is topped up to <see cref="Amount"/> at each recurrence after the grant starts.</summary>
    public RecurringPeriod? Recurrence { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the grant stops counting: expiry or voiding, whichever is first.</summary>
    public DateTimeOffset? EndsAt => (ExpiresAt, VoidedAt) switch
    {
        ({ } expires, { } voided) => expires < voided ? expires : voided,
        (var expires, var voided) => expires ?? voided,
    };
}

/// <summary>A usage reset: the usage period starts over and grants roll over; overage is kept or forgiven.</summary>
public sealed record BalanceReset(DateTimeOffset At, bool PreserveOverage);

/// <summary>What the engine replays: from <see cref="Start"/>, these grants, and these resets (automatic and manual).</summary>
public sealed record BalanceTimeline(DateTimeOffset Start, IReadOnlyList<BurnableGrant> Grants, IReadOnlyList<BalanceReset> Resets);

/// <summary>The usage in <c>[From, To)</c>, measured by the caller for a segment the engine asked for.</summary>
public sealed record UsageSegment(DateTimeOffset From, DateTimeOffset To, decimal Usage);

/// <summary>How much of one grant a segment burnt.</summary>
public sealed record GrantUsage(string GrantId, decimal Usage);

/// <summary>One segment of the burn-down: a span in which no grant, reset or recurrence changed the order.</summary>
public sealed record BurnDownSegment(
    DateTimeOffset From,
    DateTimeOffset To,
    decimal Usage,
    decimal Overage,
    decimal BalanceAtStart,
    IReadOnlyDictionary<string, decimal> GrantBalancesAtStart,
    decimal BalanceAtEnd,
    IReadOnlyDictionary<string, decimal> GrantBalancesAtEnd,
    IReadOnlyList<GrantUsage> GrantUsages);

/// <summary>The balance at the end of a replay, and how it got there.</summary>
public sealed record BalanceResult(
    decimal Balance,
    IReadOnlyDictionary<string, decimal> GrantBalances,
    decimal UsageInPeriod,
    decimal Overage,
    decimal TotalAvailableGrantAmount,
    DateTimeOffset PeriodStart,
    IReadOnlyList<BurnDownSegment> Segments);

/// <summary>
/// OpenMeter's grant burn-down, as a pure function. Time is cut into segments at every change (a grant starting,
/// expiring, being voided or recurring; a reset); the caller measures the usage of each segment, and the engine burns
/// it from the active grants in order: priority (lower first), then the grant expiring first, then the one effective
/// first. Usage no grant covers is overage; overage is paid off first by any balance that appears later (a new grant,
/// a top-up) and is forgiven at a reset unless that reset preserves it. At a reset each grant's balance becomes
/// min(maxRolloverAmount, max(balance, minRolloverAmount)).
/// </summary>
public static class BalanceEngine
{
    /// <summary>The segments between the timeline's start and <paramref name="to"/> whose usage <see cref="Run"/> needs.</summary>
    public static IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Segments(BalanceTimeline timeline, DateTimeOffset to, IEnumerable<DateTimeOffset>? extraCuts = null)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var start = timeline.Start;
        if (to <= start)
        {
            return [];
        }

        var cuts = new SortedSet<DateTimeOffset> { start, to };
        void Cut(DateTimeOffset? at)
        {
            if (at is { } t && t > start && t < to)
            {
                cuts.Add(t);
            }
        }

        foreach (var grant in timeline.Grants)
        {
            Cut(grant.EffectiveAt);
            Cut(grant.EndsAt);
            if (grant.Recurrence is { } recurrence)
            {
                var from = grant.EffectiveAt > start ? grant.EffectiveAt : start;
                var until = grant.EndsAt is { } ends && ends < to ? ends : to;
                foreach (var recurs in recurrence.StartsBetween(from, until))
                {
                    Cut(recurs);
                }
            }
        }

        foreach (var reset in timeline.Resets)
        {
            Cut(reset.At);
        }

        foreach (var extra in extraCuts ?? [])
        {
            Cut(extra);
        }

        var list = cuts.ToList();
        return [.. list.Zip(list.Skip(1))];
    }

    /// <summary>Replays <paramref name="usage"/> (contiguous, from the timeline's start) and answers the state at <paramref name="to"/>.</summary>
    public static BalanceResult Run(BalanceTimeline timeline, DateTimeOffset to, IReadOnlyList<UsageSegment> usage)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(usage);
        var replay = new Replay(timeline);
        var history = new List<BurnDownSegment>(usage.Count);
        var expected = timeline.Start;
        foreach (var segment in usage)
        {
            if (segment.From != expected || segment.To <= segment.From || segment.To > to)
            {
                throw new ArgumentException($"usage segments must be contiguous from {timeline.Start:O} to {to:O}; got [{segment.From:O}, {segment.To:O})", nameof(usage));
            }

            replay.Boundary(segment.From);
            history.Add(replay.Burn(segment));
            expected = segment.To;
        }

        if (to >= timeline.Start)
        {
            replay.Boundary(to);
        }

        var balances = replay.Balances();
        var balance = balances.Values.Sum();
        return new BalanceResult(balance, balances, replay.UsageInPeriod, replay.Overage, balance + replay.BurntInPeriod, replay.PeriodStart, history);
    }

    /// <summary>The engine's running state; one per <see cref="Run"/>.</summary>
    private sealed class Replay(BalanceTimeline timeline)
    {
        private readonly List<(BurnableGrant Grant, decimal Balance)> _active = [];
        private readonly HashSet<string> _started = new(StringComparer.Ordinal);

        public decimal Overage { get; private set; }

        public decimal UsageInPeriod { get; private set; }

        public decimal BurntInPeriod { get; private set; }

        public DateTimeOffset PeriodStart { get; private set; } = timeline.Start;

        /// <summary>Applies everything that happens at <paramref name="at"/>, in order: reset, ends, starts, recurrences, overage payback.</summary>
        public void Boundary(DateTimeOffset at)
        {
            BalanceReset? reset = null;
            foreach (var candidate in timeline.Resets)
            {
                if (candidate.At == at && at > timeline.Start)
                {
                    reset = candidate;
                }
            }

            if (reset is not null && at > PeriodStart)
            {
                for (var i = 0; i < _active.Count; i++)
                {
                    var (grant, balance) = _active[i];
                    _active[i] = (grant, Math.Min(grant.MaxRolloverAmount, Math.Max(balance, grant.MinRolloverAmount)));
                }

                UsageInPeriod = 0;
                BurntInPeriod = 0;
                PeriodStart = at;
                if (!reset.PreserveOverage)
                {
                    Overage = 0;
                }
            }

            _active.RemoveAll(a => a.Grant.EndsAt is { } ends && ends <= at);
            foreach (var grant in timeline.Grants)
            {
                if (grant.EffectiveAt <= at && (grant.EndsAt is null || grant.EndsAt > at) && _started.Add(grant.Id))
                {
                    _active.Add((grant, grant.Amount));
                }
            }

            for (var i = 0; i < _active.Count; i++)
            {
                var grant = _active[i].Grant;
                if (grant.Recurrence is { } recurrence && at > grant.EffectiveAt && recurrence.PeriodAt(at).From == at)
                {
                    _active[i] = (grant, grant.Amount);
                }
            }

            _active.Sort(static (a, b) => Compare(a.Grant, b.Grant));
            if (Overage > 0)
            {
                Overage = Take(Overage, null);
            }
        }

        public BurnDownSegment Burn(UsageSegment segment)
        {
            var atStart = Balances();
            var usages = new List<GrantUsage>();
            var uncovered = segment.Usage > 0 ? Take(segment.Usage, usages) : 0;
            Overage += uncovered;
            UsageInPeriod += segment.Usage;
            var atEnd = Balances();
            return new BurnDownSegment(segment.From, segment.To, segment.Usage, uncovered, atStart.Values.Sum(), atStart, atEnd.Values.Sum(), atEnd, usages);
        }

        public Dictionary<string, decimal> Balances() => _active.ToDictionary(a => a.Grant.Id, a => a.Balance, StringComparer.Ordinal);

        /// <summary>Burns <paramref name="amount"/> from the grants in order; answers what is left uncovered.</summary>
        private decimal Take(decimal amount, List<GrantUsage>? usages)
        {
            for (var i = 0; i < _active.Count && amount > 0; i++)
            {
                var (grant, balance) = _active[i];
                var take = Math.Min(balance, amount);
                if (take <= 0)
                {
                    continue;
                }

                _active[i] = (grant, balance - take);
                amount -= take;
                BurntInPeriod += take;
                usages?.Add(new GrantUsage(grant.Id, take));
            }

            return amount;
        }

        private static int Compare(BurnableGrant a, BurnableGrant b)
        {
            var order = a.Priority.CompareTo(b.Priority);
            if (order == 0)
            {
                order = (a.EndsAt ?? DateTimeOffset.MaxValue).CompareTo(b.EndsAt ?? DateTimeOffset.MaxValue);
            }

            if (order == 0)
            {
                order = a.EffectiveAt.CompareTo(b.EffectiveAt);
            }

            if (order == 0)
            {
                order = a.CreatedAt.CompareTo(b.CreatedAt);
            }

            return order != 0 ? order : string.CompareOrdinal(a.Id, b.Id);
        }
    }
}
