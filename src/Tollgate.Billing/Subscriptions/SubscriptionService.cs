using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>
/// Subscriptions as OpenMeter runs them: create from a plan version (copied), cancel, take a cancelation back,
/// change to another plan, migrate to another version, edit, and delete a scheduled one. Each is one change on the
/// latest stored state, so a customer's one-subscription-at-a-time rule holds across nodes.
/// </summary>
public sealed class SubscriptionService(BillingRepository repository, ISubscriptionItemEffects effects)
{
    public Task<Subscription> CreateAsync(SubscriptionCreate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var (customer, customerField) = ResolveCustomer(change.State, input);
            var timing = input.Timing ?? SubscriptionTiming.Immediate;
            var activeFrom = timing.Kind switch
            {
                SubscriptionTimingKind.Immediate => change.Now,
                SubscriptionTimingKind.At => timing.At!.Value,
                _ => throw new BillingValidationException("timing", "next_billing_cycle needs a running subscription; a new one starts immediately or at a date-time"),
            };
            var subscription = Start(change, customer, customerField, input, activeFrom);
            return subscription.AsOf(change.Now);
        }, cancellationToken);
    }

    /// <summary>Ends an active subscription at <paramref name="timing"/>: now, the next billing boundary, or a date-time.</summary>
    public Task<Subscription> CancelAsync(string subscriptionId, SubscriptionTiming? timing, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var subscription = RequireLive(change.State, subscriptionId);
        RequireStatus(subscription, change.Now, "cancel", SubscriptionStatus.Active);
        var end = ResolveEnd(subscription, timing ?? SubscriptionTiming.Immediate, change.Now, "timing");
        return End(change, subscription, end).AsOf(change.Now);
    }, cancellationToken);

    /// <summary>Takes back a cancelation that has not happened yet: the subscription runs on without an end.</summary>
    public Task<Subscription> UnscheduleCancelationAsync(string subscriptionId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var subscription = RequireLive(change.State, subscriptionId);
        RequireStatus(subscription, change.Now, "unschedule the cancelation of", SubscriptionStatus.Canceled);
        var continued = subscription with { ActiveTo = null, UpdatedAt = change.Now };
        Admit(change.State, continued, change.Now);
        change.Put(Subscription.Kind, continued);
        SubscriptionSchedule.Reconcile(change, effects, subscription, continued);
        return continued.AsOf(change.Now);
    }, cancellationToken);

    /// <summary>Ends the subscription at the timing and starts one on another plan there (OpenMeter's change).</summary>
    public Task<SubscriptionChangeResponse> ChangeAsync(string subscriptionId, SubscriptionChange input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var current = RequireLive(change.State, subscriptionId);
            RequireStatus(current, change.Now, "change", SubscriptionStatus.Active);
            var timing = input.Timing ?? throw new BillingValidationException("timing", "is required (immediate, next_billing_cycle or a date-time)");
            var at = ResolveEnd(current, timing, change.Now, "timing");
            var customer = CustomerLookup.Find(change.State, current.CustomerId)
                ?? throw new BillingConflictException($"customer {current.CustomerId} of subscription {current.Id} is deleted");
            var ended = End(change, current, at);
            var next = Start(change, customer, "plan", input, at);
            return new SubscriptionChangeResponse(ended.AsOf(change.Now), Expanded(change.State, next, change.Now));
        }, cancellationToken);
    }

    /// <summary>Moves the subscription to another (by default the active) version of its plan, as a change.</summary>
    public Task<SubscriptionChangeResponse> MigrateAsync(string subscriptionId, SubscriptionMigrate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var current = RequireLive(change.State, subscriptionId);
            RequireStatus(current, change.Now, "migrate", SubscriptionStatus.Active);
            var plan = current.Plan ?? throw new BillingValidationException("subscriptionId", $"subscription {current.Id} runs on a custom plan; only subscriptions of a catalog plan migrate (use change)");
            int version;
            if (input.TargetVersion is { } target)
            {
                version = target;
                if (target <= plan.Version)
                {
                    throw new BillingValidationException("targetVersion", $"must be later than the subscription's version {plan.Version} of plan \"{plan.Key}\"");
                }
            }
            else
            {
                version = PlanService.ActiveVersion(change.State, plan.Key, change.Now)?.Version
                    ?? throw new BillingValidationException("targetVersion", $"plan \"{plan.Key}\" has no active version to migrate to");
                if (version <= plan.Version)
                {
                    throw new BillingValidationException("targetVersion", $"the subscription is already on the active version {plan.Version} of plan \"{plan.Key}\"");
                }
            }

            var at = ResolveEnd(current, input.Timing ?? SubscriptionTiming.Immediate, change.Now, "timing");
            var customer = CustomerLookup.Find(change.State, current.CustomerId)
                ?? throw new BillingConflictException($"customer {current.CustomerId} of subscription {current.Id} is deleted");
            var ended = End(change, current, at);
            var next = Start(change, customer, "plan", new SubscriptionChange
            {
                Plan = new PlanReferenceInput { Key = plan.Key, Version = version },
                StartingPhase = input.StartingPhase,
                BillingAnchor = input.BillingAnchor,
                Name = current.Name,
                Description = current.Description,
                Metadata = current.Metadata,
                SettlementMode = current.SettlementMode,
            }, at, targetVersionField: "targetVersion");
            return new SubscriptionChangeResponse(ended.AsOf(change.Now), Expanded(change.State, next, change.Now));
        }, cancellationToken);
    }

    /// <summary>Applies OpenMeter's edit operations to an active subscription, all or none.</summary>
    public Task<Subscription> EditAsync(string subscriptionId, SubscriptionEdit input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var subscription = RequireLive(change.State, subscriptionId);
            RequireStatus(subscription, change.Now, "edit", SubscriptionStatus.Active);
            if (input.Timing is { Kind: not SubscriptionTimingKind.Immediate })
            {
                throw new BillingValidationException("timing", "only immediate edits are supported: an edit takes effect when it is made (edit a future phase to change what comes later)");
            }

            var edited = SubscriptionEdits.Apply(change.State, subscription, input.Customizations, change.Now);
            change.Put(Subscription.Kind, edited);
            SubscriptionSchedule.Reconcile(change, effects, subscription, edited);
            return edited.AsOf(change.Now);
        }, cancellationToken);
    }

    /// <summary>Deletes a subscription that has not started; a started one is canceled instead, as OpenMeter allows.</summary>
    public Task DeleteAsync(string subscriptionId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var subscription = RequireLive(change.State, subscriptionId);
        RequireStatus(subscription, change.Now, "delete", SubscriptionStatus.Scheduled);
        var deleted = subscription with { DeletedAt = change.Now, UpdatedAt = change.Now };
        change.Put(Subscription.Kind, deleted);
        SubscriptionSchedule.Reconcile(change, effects, subscription, deleted);
        return deleted;
    }, cancellationToken);

    /// <summary>A subscription with its phases and items as of <paramref name="at"/> (OpenMeter's <c>SubscriptionExpanded</c>).</summary>
    public static Subscription Expanded(BillingState state, Subscription subscription, DateTimeOffset at) =>
        SubscriptionViews.Expanded(state, subscription, at);

    /// <summary>A subscription that is not deleted, or 404.</summary>
    public static Subscription RequireLive(BillingState state, string subscriptionId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Find(Subscription.Kind, subscriptionId) is { IsDeleted: false } subscription
            ? subscription
            : throw new BillingNotFoundException($"subscription \"{subscriptionId}\" not found");
    }

    /// <summary>The customer's subscriptions (not deleted), oldest start first.</summary>
    public static IReadOnlyList<Subscription> OfCustomer(BillingState state, string customerId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index(SubscriptionsByCustomer.Build).ByCustomer.GetValueOrDefault(customerId) ?? [];
    }

    /// <summary>The subscription running for the customer at <paramref name="now"/> (active or canceled), if any.</summary>
    public static Subscription? CurrentOf(BillingState state, string customerId, DateTimeOffset now) =>
        OfCustomer(state, customerId).FirstOrDefault(s => s.StatusAt(now) is SubscriptionStatus.Active or SubscriptionStatus.Canceled);

    private Subscription Start(BillingChange change, Customer customer, string customerField, SubscriptionStart input, DateTimeOffset activeFrom, string targetVersionField = "plan.version")
    {
        var (plan, reference) = ResolvePlan(change.State, input, change.Now, targetVersionField);
        if (input.CostBasisMode is not (null or "dynamic"))
        {
            throw new BillingValidationException("costBasisMode", input.CostBasisMode == "pinned"
                ? "pinned cost bases need custom currencies, which Tollgate does not have; use dynamic"
                : "must be dynamic or pinned");
        }

        var rateCards = plan.Phases.SelectMany(p => p.RateCards).ToList();
        if (customer.Currency is { } currency && currency != plan.Currency && rateCards.Exists(rc => rc.Price is not null))
        {
            throw new BillingValidationException(customerField, $"currency mismatch: customer {customer.Id} is billed in {currency}, but plan \"{plan.Key}\" is in {plan.Currency}");
        }

        if (customer.UsageSubjects.Count == 0 && rateCards.Exists(rc => rc.EntitlementTemplate is not null || rc is UsageBasedRateCard))
        {
            throw new BillingValidationException(customerField, $"customer {customer.Id} has no subject (usageAttribution.subjectKeys or a key), but plan \"{plan.Key}\" has entitlements or metered prices");
        }

        var anchor = input.BillingAnchor is { } given ? BillingRepository.Truncate(given) : activeFrom;
        var subscription = new Subscription
        {
            Id = Ulid.NewUlid().ToString(),
            Name = input.Name ?? plan.Name,
            Description = input.Description ?? plan.Description,
            Metadata = input.Metadata,
            CreatedAt = change.Now,
            UpdatedAt = change.Now,
            ActiveFrom = activeFrom,
            Alignment = new SubscriptionAlignment { BillablesMustAlign = input.Alignment?.BillablesMustAlign ?? true },
            CustomerId = customer.Id,
            Plan = reference,
            Currency = plan.Currency,
            BillingCadence = plan.BillingCadence,
            ProRatingConfig = plan.ProRatingConfig,
            BillingAnchor = anchor,
            SettlementMode = input.SettlementMode ?? plan.SettlementMode,
            Phases = SubscriptionSchedule.PhasesOf(plan, input.StartingPhase, activeFrom, change.Now, "startingPhase"),
        };
        RateCardRules.Text("name", subscription.Name, 256, required: true);
        RateCardRules.Text("description", subscription.Description, 1024, required: false);
        Admit(change.State, subscription, change.Now);
        change.Put(Subscription.Kind, subscription);
        SubscriptionSchedule.Reconcile(change, effects, null, subscription);
        return subscription;
    }

    private Subscription End(BillingChange change, Subscription subscription, DateTimeOffset end)
    {
        var ended = subscription with { ActiveTo = end, UpdatedAt = change.Now };
        change.Put(Subscription.Kind, ended);
        SubscriptionSchedule.Reconcile(change, effects, subscription, ended);
        return ended;
    }

    /// <summary>409 unless <paramref name="subscription"/> overlaps none of its customer's other subscriptions.</summary>
    private static void Admit(BillingState state, Subscription subscription, DateTimeOffset now)
    {
        foreach (var other in OfCustomer(state, subscription.CustomerId))
        {
            if (other.Id != subscription.Id
                && subscription.ActiveFrom < (other.ActiveTo ?? DateTimeOffset.MaxValue)
                && other.ActiveFrom < (subscription.ActiveTo ?? DateTimeOffset.MaxValue))
            {
                var until = other.ActiveTo is { } to ? $"until {to:O}" : "without an end";
                throw new BillingConflictException($"customer {subscription.CustomerId} already has subscription {other.Id} ({Name(other.StatusAt(now))}, from {other.ActiveFrom:O} {until}); a customer has one subscription at a time: cancel or change it instead");
            }
        }
    }

    private static DateTimeOffset ResolveEnd(Subscription subscription, SubscriptionTiming timing, DateTimeOffset now, string field)
    {
        var end = timing.Kind switch
        {
            SubscriptionTimingKind.Immediate => now,
            SubscriptionTimingKind.NextBillingCycle => BillingPeriods.NextBoundary(subscription.BillingAnchor, subscription.Cadence(), now),
            _ => timing.At!.Value,
        };
        if (end < now)
        {
            throw new BillingValidationException(field, $"{end:O} is in the past; a change takes effect now or later");
        }

        return end;
    }

    private static (Customer Customer, string Field) ResolveCustomer(BillingState state, SubscriptionCreate input)
    {
        if (input.CustomerId is { } id)
        {
            if (input.CustomerKey is not null)
            {
                throw new BillingValidationException("customerKey", "give customerId or customerKey, not both");
            }

            return (state.Find(Customer.Kind, id) is { IsDeleted: false } byId ? byId
                : throw new BillingValidationException("customerId", $"no customer with id \"{id}\""), "customerId");
        }

        if (input.CustomerKey is { } key)
        {
            return (CustomerLookup.Of(state).ByKey(key) ?? throw new BillingValidationException("customerKey", $"no customer with key \"{key}\""), "customerKey");
        }

        throw new BillingValidationException("customerId", "customerId or customerKey is required");
    }

    private static (Plan Plan, PlanReference? Reference) ResolvePlan(BillingState state, SubscriptionStart input, DateTimeOffset now, string versionField)
    {
        if (input.Plan is not null && input.CustomPlan is not null)
        {
            throw new BillingValidationException("customPlan", "give plan or customPlan, not both");
        }

        if (input.CustomPlan is { } custom)
        {
            return (CustomPlan(state, custom, now), null);
        }

        var reference = input.Plan ?? throw new BillingValidationException("plan", "plan (or customPlan) is required");
        var key = Keys.Require("plan.key", reference.Key);
        if (PlanService.Versions(state, key).All(p => p.DeletedAt is not null))
        {
            throw new BillingValidationException("plan.key", $"no plan with key \"{key}\"");
        }

        Plan plan;
        if (reference.Version is { } version)
        {
            plan = PlanService.Version(state, key, version)
                ?? throw new BillingValidationException(versionField, $"plan \"{key}\" has no version {version}");
            var status = Lifecycle.Status(plan, now);
            if (status != PlanStatus.Active)
            {
                throw new BillingValidationException(versionField, $"version {version} of plan \"{key}\" is {PlanService.Name(status)}; only an active (published, not archived) version can be subscribed to");
            }
        }
        else
        {
            plan = PlanService.ActiveVersion(state, key, now)
                ?? throw new BillingValidationException("plan.key", $"plan \"{key}\" has no active version (publish one first)");
        }

        return (plan, new PlanReference(plan.Id, plan.Key, plan.Version));
    }

    private static Plan CustomPlan(BillingState state, PlanCreate input, DateTimeOffset now)
    {
        var plan = new Plan
        {
            Id = Ulid.NewUlid().ToString(),
            Name = input.Name?.Trim()!,
            Description = input.Description,
            Metadata = input.Metadata,
            CreatedAt = now,
            UpdatedAt = now,
            Key = input.Key ?? "custom",
            Version = 1,
            Currency = input.Currency!,
            BillingCadence = input.BillingCadence!,
            ProRatingConfig = input.ProRatingConfig ?? ProRatingConfig.Default,
            SettlementMode = input.SettlementMode ?? SettlementMode.CreditThenInvoice,
            Phases = input.Phases is null ? null! : [.. input.Phases.Select(p => p!)],
            EffectiveFrom = now,
        };
        try
        {
            PlanRules.Validate(state, plan);
            if (PlanRules.PublishIssues(plan) is [var issue, ..])
            {
                throw new BillingValidationException(issue.Field, issue.Message);
            }
        }
        catch (BillingValidationException invalid)
        {
            throw new BillingValidationException($"customPlan.{invalid.Field}", invalid.Reason);
        }

        return plan;
    }

    private static void RequireStatus(Subscription subscription, DateTimeOffset now, string action, SubscriptionStatus allowed)
    {
        var status = subscription.StatusAt(now);
        if (status != allowed)
        {
            throw new SubscriptionForbiddenException($"cannot {action} subscription {subscription.Id}: it is {Name(status)}, and only {Name(allowed)} subscriptions allow that");
        }
    }

    internal static string Name(SubscriptionStatus status) => status.ToString().ToLowerInvariant();

    private sealed class SubscriptionsByCustomer
    {
        public required Dictionary<string, IReadOnlyList<Subscription>> ByCustomer { get; init; }

        public static SubscriptionsByCustomer Build(BillingState state) => new()
        {
            ByCustomer = state.All(Subscription.Kind).Where(s => !s.IsDeleted).GroupBy(s => s.CustomerId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<Subscription>)[.. g.OrderBy(s => s.ActiveFrom).ThenBy(s => s.Id, StringComparer.Ordinal)], StringComparer.Ordinal),
        };
    }
}

/// <summary>403: the subscription's status does not allow the action (OpenMeter's state machine: e.g. only a scheduled subscription is deleted).</summary>
public sealed class SubscriptionForbiddenException(string message) : BillingException(message)
{
    public override int StatusCode => 403;
}
