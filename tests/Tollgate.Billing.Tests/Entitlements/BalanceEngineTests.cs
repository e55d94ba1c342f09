using System.Globalization;
using Tollgate.Billing.Entitlements;

namespace Tollgate.Billing.Tests.Entitlements;

public sealed class BalanceEngineTests
{
    private static readonly DateTimeOffset Start = At("2024-01-01T00:00:00Z");

    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);

    private static BurnableGrant G(string id, decimal amount, int priority = 1, string effective = "2024-01-01T00:00:00Z", string? expires = null, decimal min = 0, decimal? max = null, RecurringPeriod? recurrence = null, string? voided = null) => new()
    {
        Id = id,
        Amount = amount,
        Priority = priority,
        EffectiveAt = At(effective),
        ExpiresAt = expires is null ? null : At(expires),
        VoidedAt = voided is null ? null : At(voided),
        MinRolloverAmount = min,
        MaxRolloverAmount = max ?? amount,
        Recurrence = recurrence,
        CreatedAt = Start,
    };

    private static BalanceResult Run(BurnableGrant[] grants, BalanceReset[] resets, string to, params (string At, decimal Usage)[] events)
    {
        var timeline = new BalanceTimeline(Start, grants, resets);
        var end = At(to);
        var usage = BalanceEngine.Segments(timeline, end)
            .Select(s => new UsageSegment(s.From, s.To, events.Where(e => At(e.At) >= s.From && At(e.At) < s.To).Sum(e => e.Usage)))
            .ToList();
        return BalanceEngine.Run(timeline, end, usage);
    }

    private static string Balances(BalanceResult result) =>
        string.Join(",", result.GrantBalances.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Value.ToString(CultureInfo.InvariantCulture)}"));

    [Fact]
    public void Usage_burns_the_lowest_priority_number_first_and_among_equals_the_grant_expiring_first()
    {
        var result = Run(
            [G("a", 100m, priority: 2), G("b", 50m, priority: 1), G("c", 30m, priority: 1, expires: "2024-01-10T00:00:00Z")],
            [],
            "2024-01-05T00:00:00Z",
            ("2024-01-02T00:00:00Z", 60m));
        Assert.Equal("a=100,b=20,c=0", Balances(result));
        Assert.Equal(120m, result.Balance);
        Assert.Equal(60m, result.UsageInPeriod);
        Assert.Equal(0m, result.Overage);
        Assert.Equal(180m, result.TotalAvailableGrantAmount);
    }

    [Fact]
    public void A_grant_expiring_mid_period_takes_its_rest_with_it()
    {
        var result = Run(
            [G("a", 100m, priority: 1, expires: "2024-01-10T00:00:00Z"), G("b", 50m, priority: 2)],
            [],
            "2024-01-20T00:00:00Z",
            ("2024-01-05T00:00:00Z", 30m), ("2024-01-15T00:00:00Z", 40m));
        Assert.Equal("b=10", Balances(result));
        Assert.Equal(10m, result.Balance);
        Assert.Equal(70m, result.UsageInPeriod);
        Assert.Equal(0m, result.Overage);
        Assert.Equal(2, result.Segments.Count);
        Assert.Equal([new GrantUsage("a", 30m)], result.Segments[0].GrantUsages);
        Assert.Equal([new GrantUsage("b", 40m)], result.Segments[1].GrantUsages);
        Assert.Equal(50m, result.Segments[1].BalanceAtStart);
    }

    [Fact]
    public void Usage_beyond_the_grants_is_overage_and_a_later_grant_pays_it_off()
    {
        var before = Run([G("a", 50m)], [], "2024-01-19T00:00:00Z", ("2024-01-02T00:00:00Z", 80m));
        Assert.Equal(0m, before.Balance);
        Assert.Equal(30m, before.Overage);

        var after = Run([G("a", 50m), G("b", 100m, effective: "2024-01-20T00:00:00Z")], [], "2024-01-25T00:00:00Z", ("2024-01-02T00:00:00Z", 80m));
        Assert.Equal("a=0,b=70", Balances(after));
        Assert.Equal(0m, after.Overage);
        Assert.Equal(80m, after.UsageInPeriod);
    }

    [Fact]
    public void A_grant_effective_mid_period_is_not_burnt_by_usage_before_it()
    {
        var result = Run(
            [G("a", 50m), G("b", 100m, effective: "2024-01-15T00:00:00Z")],
            [],
            "2024-01-25T00:00:00Z",
            ("2024-01-10T00:00:00Z", 30m), ("2024-01-20T00:00:00Z", 40m));
        Assert.Equal("a=0,b=80", Balances(result));
        Assert.Equal([new GrantUsage("a", 30m)], result.Segments[0].GrantUsages);
        Assert.Equal(At("2024-01-15T00:00:00Z"), result.Segments[1].From);
        Assert.Equal(new Dictionary<string, decimal> { ["a"] = 20m, ["b"] = 100m }, result.Segments[1].GrantBalancesAtStart);
        Assert.Equal([new GrantUsage("a", 20m), new GrantUsage("b", 20m)], result.Segments[1].GrantUsages);
    }

    [Fact]
    public void At_a_reset_each_grant_rolls_over_between_its_min_and_max_and_usage_starts_over()
    {
        var result = Run(
            [G("a", 100m, priority: 1, min: 20m, max: 60m), G("b", 100m, priority: 2, min: 0m, max: 0m), G("c", 100m, priority: 3, min: 80m, max: 100m)],
            [new BalanceReset(At("2024-02-01T00:00:00Z"), PreserveOverage: false)],
            "2024-02-10T00:00:00Z",
            ("2024-01-15T00:00:00Z", 150m), ("2024-02-05T00:00:00Z", 5m));
        // Before the reset: a 0, b 50, c 100. After: a min(60, max(0, 20)) = 20, b min(0, 50) = 0, c 100; then 5 burns a.
        Assert.Equal("a=15,b=0,c=100", Balances(result));
        Assert.Equal(5m, result.UsageInPeriod);
        Assert.Equal(At("2024-02-01T00:00:00Z"), result.PeriodStart);
        Assert.Equal(120m, result.TotalAvailableGrantAmount);
    }

    [Theory]
    [InlineData(false, 100, 0)]
    [InlineData(true, 70, 0)]
    public void Overage_is_forgiven_at_a_reset_unless_preserved_when_the_rolled_over_balance_pays_it(bool preserve, int balance, int overage)
    {
        var grants = new[] { G("issued", 100m, min: 100m, max: 100m) };
        var reset = new BalanceReset(At("2024-02-01T00:00:00Z"), preserve);
        var before = Run(grants, [reset], "2024-01-31T00:00:00Z", ("2024-01-20T00:00:00Z", 130m));
        Assert.Equal(30m, before.Overage);
        Assert.False(before.Balance > 0);

        var result = Run(grants, [reset], "2024-02-01T00:00:00Z", ("2024-01-20T00:00:00Z", 130m));
        Assert.Equal((decimal)balance, result.Balance);
        Assert.Equal((decimal)overage, result.Overage);
        Assert.Equal(0m, result.UsageInPeriod);
        Assert.Equal(100m, result.TotalAvailableGrantAmount);
    }

    [Fact]
    public void Preserved_overage_larger_than_the_new_balance_stays_overage()
    {
        var result = Run(
            [G("issued", 100m, min: 100m, max: 100m)],
            [new BalanceReset(At("2024-02-01T00:00:00Z"), PreserveOverage: true)],
            "2024-02-02T00:00:00Z",
            ("2024-01-20T00:00:00Z", 250m));
        Assert.Equal(0m, result.Balance);
        Assert.Equal(50m, result.Overage);
    }

    [Fact]
    public void A_recurring_grant_tops_up_to_its_amount_at_each_recurrence()
    {
        var daily = new RecurringPeriod { Interval = "DAY", Anchor = Start };
        var grants = new[] { G("a", 10m, recurrence: daily) };
        var second = Run(grants, [], "2024-01-02T12:00:00Z", ("2024-01-01T12:00:00Z", 8m), ("2024-01-02T06:00:00Z", 3m));
        Assert.Equal(7m, second.Balance);
        Assert.Equal(11m, second.UsageInPeriod);

        // 15 on the third overdraws by 5; the fourth's top-up pays that first.
        var fourth = Run(grants, [], "2024-01-04T12:00:00Z", ("2024-01-03T06:00:00Z", 15m));
        Assert.Equal(5m, fourth.Balance);
        Assert.Equal(0m, fourth.Overage);
    }

    [Fact]
    public void A_voided_grant_stops_counting_when_voided()
    {
        var result = Run([G("a", 100m, voided: "2024-01-10T00:00:00Z"), G("b", 20m, priority: 5)], [], "2024-01-20T00:00:00Z",
            ("2024-01-05T00:00:00Z", 30m), ("2024-01-15T00:00:00Z", 25m));
        Assert.Equal("b=0", Balances(result));
        Assert.Equal(5m, result.Overage);
    }

    [Fact]
    public void Segments_are_cut_at_every_change_between_start_and_end()
    {
        var timeline = new BalanceTimeline(
            Start,
            [G("a", 1m, effective: "2023-12-01T00:00:00Z", expires: "2024-01-03T00:00:00Z"), G("b", 1m, effective: "2024-01-02T00:00:00Z", recurrence: new RecurringPeriod { Interval = "P2D", Anchor = At("2024-01-02T00:00:00Z") })],
            [new BalanceReset(At("2024-01-05T12:00:00Z"), false)]);
        var cuts = BalanceEngine.Segments(timeline, At("2024-01-07T00:00:00Z")).Select(s => s.From.ToString("MM-dd'T'HH", CultureInfo.InvariantCulture));
        Assert.Equal(["01-01T00", "01-02T00", "01-03T00", "01-04T00", "01-05T12", "01-06T00"], cuts);
        Assert.Empty(BalanceEngine.Segments(timeline, Start));
    }

    [Fact]
    public void Usage_segments_that_leave_a_gap_are_refused()
    {
        var timeline = new BalanceTimeline(Start, [G("a", 1m)], []);
        Assert.Throws<ArgumentException>(() => BalanceEngine.Run(timeline, At("2024-01-03T00:00:00Z"), [new UsageSegment(At("2024-01-02T00:00:00Z"), At("2024-01-03T00:00:00Z"), 1m)]));
    }
}
