using Microsoft.Extensions.Time.Testing;
using Tollgate.Billing.Catalog.Plans;

namespace Tollgate.Billing.Tests.Catalog;

public sealed class LifecycleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Status_follows_the_effective_period_along_the_clock()
    {
        var clock = new FakeTimeProvider(Start);
        DateTimeOffset from = Start.AddDays(1), to = Start.AddDays(3);

        Assert.Equal(PlanStatus.Draft, Lifecycle.Status(null, null, clock.GetUtcNow()));
        Assert.Equal(PlanStatus.Scheduled, Lifecycle.Status(from, to, clock.GetUtcNow()));
        Assert.Equal(PlanStatus.Scheduled, Lifecycle.Status(from, null, clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(PlanStatus.Active, Lifecycle.Status(from, to, clock.GetUtcNow()));
        Assert.Equal(PlanStatus.Active, Lifecycle.Status(from, null, clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(PlanStatus.Active, Lifecycle.Status(from, to, clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PlanStatus.Archived, Lifecycle.Status(from, to, clock.GetUtcNow()));
        Assert.Equal(PlanStatus.Active, Lifecycle.Status(from, null, clock.GetUtcNow()));
        Assert.Equal(PlanStatus.Draft, Lifecycle.Status(null, null, clock.GetUtcNow()));
    }

    [Fact]
    public void The_active_version_is_the_one_whose_period_holds_the_moment()
    {
        Plan[] versions =
        [
            PlanRulesTests.Plan() with { Id = "v1", Version = 1, EffectiveFrom = Start, EffectiveTo = Start.AddDays(10) },
            PlanRulesTests.Plan() with { Id = "v2", Version = 2, EffectiveFrom = Start.AddDays(10), EffectiveTo = Start.AddDays(20) },
            PlanRulesTests.Plan() with { Id = "v3", Version = 3, EffectiveFrom = Start.AddDays(20), DeletedAt = Start.AddDays(25) },
            PlanRulesTests.Plan() with { Id = "v4", Version = 4 },
        ];

        Assert.Null(Lifecycle.ActiveAt(versions, Start.AddTicks(-1)));
        Assert.Equal("v1", Lifecycle.ActiveAt(versions, Start)?.Id);
        Assert.Equal("v1", Lifecycle.ActiveAt(versions, Start.AddDays(10).AddTicks(-1))?.Id);
        Assert.Equal("v2", Lifecycle.ActiveAt(versions, Start.AddDays(10))?.Id);
        Assert.Null(Lifecycle.ActiveAt(versions, Start.AddDays(21)));
        Assert.Equal("v4", Lifecycle.Latest(versions)?.Id);
        Assert.Equal(5, Lifecycle.NextVersion(versions));
        Assert.Equal("v2", Lifecycle.ByKey(versions, Start.AddDays(15), includeLatest: false)?.Id);
        Assert.Equal("v4", Lifecycle.ByKey(versions, Start.AddDays(15), includeLatest: true)?.Id);
    }
}
