using System.Globalization;
using Tollgate.Billing.Entitlements;

namespace Tollgate.Billing.Tests.Entitlements;

public sealed class EntitlementResetsTests
{
    private static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);

    private static Entitlement Monthly(params UsageReset[] resets) => new()
    {
        Id = "e",
        Type = Entitlement.Metered,
        CustomerId = "c",
        FeatureId = "f",
        FeatureKey = "tokens",
        CreatedAt = At("2024-01-01T00:00:00Z"),
        UpdatedAt = At("2024-01-01T00:00:00Z"),
        ActiveFrom = At("2024-01-01T00:00:00Z"),
        MeasureUsageFrom = At("2024-01-01T00:00:00Z"),
        UsagePeriod = new RecurringPeriod { Interval = "MONTH", Anchor = At("2024-01-01T00:00:00Z") },
        PreserveOverageAtReset = true,
        Resets = [.. resets],
    };

    [Fact]
    public void Automatic_resets_follow_the_usage_period()
    {
        var resets = Monthly().ResetsUntil(At("2024-03-01T00:00:00Z"));
        Assert.Equal([new BalanceReset(At("2024-02-01T00:00:00Z"), true), new BalanceReset(At("2024-03-01T00:00:00Z"), true)], resets);
    }

    [Fact]
    public void A_manual_reset_that_moves_the_anchor_moves_the_later_automatic_resets()
    {
        var entitlement = Monthly(new UsageReset { At = At("2024-02-10T00:00:00Z"), PreserveOverage = false, Anchor = At("2024-02-10T00:00:00Z") });
        Assert.Equal(
            [new BalanceReset(At("2024-02-01T00:00:00Z"), true), new BalanceReset(At("2024-02-10T00:00:00Z"), false), new BalanceReset(At("2024-03-10T00:00:00Z"), true)],
            entitlement.ResetsUntil(At("2024-03-20T00:00:00Z")));
        Assert.Equal(At("2024-03-10T00:00:00Z"), entitlement.LastResetAt(At("2024-03-20T00:00:00Z")));
        Assert.Equal(At("2024-02-10T00:00:00Z"), entitlement.LastResetAt(At("2024-03-01T00:00:00Z")));
    }

    [Fact]
    public void A_manual_reset_that_retains_the_anchor_keeps_the_calendar()
    {
        var entitlement = Monthly(new UsageReset { At = At("2024-02-10T00:00:00Z"), PreserveOverage = false });
        Assert.Equal(
            [new BalanceReset(At("2024-02-01T00:00:00Z"), true), new BalanceReset(At("2024-02-10T00:00:00Z"), false), new BalanceReset(At("2024-03-01T00:00:00Z"), true)],
            entitlement.ResetsUntil(At("2024-03-20T00:00:00Z")));
    }
}
