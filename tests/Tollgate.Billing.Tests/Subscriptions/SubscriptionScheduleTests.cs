using System.Globalization;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Tests.Subscriptions;

public sealed class SubscriptionScheduleTests
{
    private static readonly DateTimeOffset Now = T("2026-01-31T00:00:00Z");

    private static DateTimeOffset T(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    [Fact]
    public void Phases_start_at_summed_offsets_from_the_start_so_month_ends_do_not_drift()
    {
        var phases = SubscriptionSchedule.PhasesOf(Plan(("one", "P1M"), ("two", "P1M"), ("three", null)), null, Now, Now, "startingPhase");
        Assert.Equal([T("2026-01-31T00:00:00Z"), T("2026-02-28T00:00:00Z"), T("2026-03-31T00:00:00Z")], phases.Select(p => p.ActiveFrom));
        Assert.Equal(["PT0S", "P1M", "P2M"], phases.Select(p => p.StartAfter));

        var fromTwo = SubscriptionSchedule.PhasesOf(Plan(("one", "P1M"), ("two", "P14D"), ("three", null)), "two", Now, Now, "startingPhase");
        Assert.Equal([T("2026-01-31T00:00:00Z"), T("2026-02-14T00:00:00Z")], fromTwo.Select(p => p.ActiveFrom));
        Assert.Throws<BillingValidationException>(() => SubscriptionSchedule.PhasesOf(Plan(("one", null)), "nope", Now, Now, "startingPhase"));
    }

    [Fact]
    public void The_effects_seam_hears_of_every_item_that_starts_or_stops()
    {
        var effects = new RecordingEffects();
        var created = Subscription(Plan(("trial", "P14D"), ("paid", null)));
        var trialItem = created.Phases![0].Items[0];
        var paidItem = created.Phases[1].Items[0];

        SubscriptionSchedule.Reconcile(Change(), effects, null, created);
        Assert.Equal([$"started {trialItem.Id}", $"started {paidItem.Id}"], effects.Calls);

        // Canceled inside the trial: the trial item ends then, the paid item never starts.
        effects.Calls.Clear();
        var canceled = created with { ActiveTo = T("2026-02-05T00:00:00Z") };
        SubscriptionSchedule.Reconcile(Change(), effects, created, canceled);
        Assert.Equal([$"ended {trialItem.Id} at 2026-02-05", $"ended {paidItem.Id} at 2026-02-14"], effects.Calls);

        // The cancelation taken back: both are scheduled again.
        effects.Calls.Clear();
        SubscriptionSchedule.Reconcile(Change(), effects, canceled, created);
        Assert.Equal([$"started {trialItem.Id}", $"started {paidItem.Id}"], effects.Calls);

        // Unchanged: nothing to say.
        effects.Calls.Clear();
        SubscriptionSchedule.Reconcile(Change(), effects, created, created with { Name = "Renamed" });
        Assert.Empty(effects.Calls);
    }

    [Fact]
    public void Deleting_a_scheduled_subscription_ends_its_items_before_they_start()
    {
        var effects = new RecordingEffects();
        var scheduled = Subscription(Plan(("only", null)), T("2026-03-01T00:00:00Z"));
        var item = scheduled.Phases![0].Items[0];
        SubscriptionSchedule.Reconcile(Change(), effects, scheduled, scheduled with { DeletedAt = Now });
        Assert.Equal([$"ended {item.Id} at 2026-03-01"], effects.Calls);
    }

    private static BillingChange Change() => new(BillingState.Empty, Now);

    private static Subscription Subscription(Plan plan, DateTimeOffset? start = null) => new()
    {
        Id = "sub",
        Name = plan.Name,
        CreatedAt = Now,
        UpdatedAt = Now,
        ActiveFrom = start ?? Now,
        CustomerId = "customer",
        Currency = plan.Currency,
        BillingCadence = plan.BillingCadence,
        BillingAnchor = start ?? Now,
        Phases = SubscriptionSchedule.PhasesOf(plan, null, start ?? Now, Now, "startingPhase"),
    };

    private static Plan Plan(params (string Key, string? Duration)[] phases) => new()
    {
        Id = "plan",
        Name = "Plan",
        CreatedAt = Now,
        UpdatedAt = Now,
        Key = "plan",
        Version = 1,
        Currency = "USD",
        BillingCadence = "P1M",
        Phases = [.. phases.Select(p => new PlanPhase
        {
            Key = p.Key,
            Name = p.Key,
            Duration = p.Duration,
            RateCards = [new FlatFeeRateCard { Key = $"{p.Key}_fee", Name = "Fee", BillingCadence = "P1M", Price = new FlatPrice { Amount = 10m } }],
        })],
    };

    private sealed class RecordingEffects : ISubscriptionItemEffects
    {
        public List<string> Calls { get; } = [];

        public void Started(BillingChange change, Subscription subscription, SubscriptionItem item) => Calls.Add($"started {item.Id}");

        public void Ended(BillingChange change, Subscription subscription, SubscriptionItem item, DateTimeOffset at) =>
            Calls.Add($"ended {item.Id} at {at:yyyy-MM-dd}");
    }
}
