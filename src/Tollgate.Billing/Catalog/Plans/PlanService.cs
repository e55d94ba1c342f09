using Tollgate.Billing.Catalog.AddOns;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.Plans;

/// <summary>
/// Plans and their versions: create a draft, replace it, publish it (closing the version it replaces), archive,
/// delete, and start the next version. Subscriptions and invoicing read plans through the static lookups.
/// </summary>
public sealed class PlanService(BillingRepository repository)
{
    public Task<Plan> CreateAsync(PlanCreate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var key = Keys.Require("key", input.Key);
        return repository.ChangeAsync(change =>
        {
            var versions = Versions(change.State, key);
            RequireNoDraft(versions, change.Now);
            var plan = new Plan
            {
                Id = Ulid.NewUlid().ToString(),
                Name = input.Name?.Trim()!,
                Description = input.Description,
                Metadata = input.Metadata,
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
                Key = key,
                Alignment = input.Alignment,
                Version = Lifecycle.NextVersion(versions),
                Currency = input.Currency ?? Currencies.USD.Code,
                BillingCadence = input.BillingCadence!,
                ProRatingConfig = input.ProRatingConfig ?? ProRatingConfig.Default,
                SettlementMode = input.SettlementMode ?? SettlementMode.CreditThenInvoice,
                Phases = Phases(input.Phases),
            };
            PlanRules.Validate(change.State, plan);
            return change.Put(Plan.Kind, plan).AsOf(change.Now);
        }, cancellationToken);
    }

    /// <summary>Replaces a draft (or scheduled) version; key, currency and version stay.</summary>
    public Task<Plan> ReplaceAsync(string planId, PlanReplaceUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var plan = ById(change.State, planId);
            var status = Lifecycle.Status(plan, change.Now);
            if (status is not (PlanStatus.Draft or PlanStatus.Scheduled))
            {
                throw new BillingConflictException($"plan \"{plan.Key}\" version {plan.Version} is {Name(status)}; only draft and scheduled versions can be replaced (POST /api/v1/plans/{plan.Key}/next starts a new draft)");
            }

            var replaced = plan with
            {
                Name = input.Name?.Trim()!,
                Description = input.Description,
                Metadata = input.Metadata,
                Alignment = input.Alignment,
                BillingCadence = input.BillingCadence!,
                ProRatingConfig = input.ProRatingConfig ?? ProRatingConfig.Default,
                SettlementMode = input.SettlementMode ?? SettlementMode.CreditThenInvoice,
                Phases = Phases(input.Phases),
                UpdatedAt = change.Now,
            };
            PlanRules.Validate(change.State, replaced);
            return change.Put(Plan.Kind, replaced).AsOf(change.Now);
        }, cancellationToken);
    }

    /// <summary>
    /// Makes a draft the version new subscriptions get, from now; the version active until now ends now (its
    /// subscriptions keep it).
    /// </summary>
    public Task<Plan> PublishAsync(string planId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var plan = ById(change.State, planId);
        var status = Lifecycle.Status(plan, change.Now);
        if (status != PlanStatus.Draft)
        {
            throw new BillingConflictException($"plan \"{plan.Key}\" version {plan.Version} is {Name(status)}; only drafts are published");
        }

        PlanRules.Validate(change.State, plan);
        if (PlanRules.PublishIssues(plan) is [var issue, ..])
        {
            throw new BillingValidationException(issue.Field, $"{issue.Message}; fix the draft before publishing");
        }

        PlanAddonService.RequirePublishable(change.State, plan, change.Now);
        if (Lifecycle.ActiveAt(Versions(change.State, plan.Key), change.Now) is { } previous)
        {
            change.Put(Plan.Kind, previous with { EffectiveTo = change.Now, UpdatedAt = change.Now });
        }

        return change.Put(Plan.Kind, plan with { EffectiveFrom = change.Now, EffectiveTo = null, UpdatedAt = change.Now }).AsOf(change.Now);
    }, cancellationToken);

    /// <summary>Ends an active version now: no new subscriptions get it; existing ones keep it.</summary>
    public Task<Plan> ArchiveAsync(string planId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var plan = ById(change.State, planId);
        var status = Lifecycle.Status(plan, change.Now);
        if (status != PlanStatus.Active)
        {
            throw new BillingConflictException($"plan \"{plan.Key}\" version {plan.Version} is {Name(status)}; only active versions are archived");
        }

        return change.Put(Plan.Kind, plan with { EffectiveTo = change.Now, UpdatedAt = change.Now }).AsOf(change.Now);
    }, cancellationToken);

    /// <summary>Soft-deletes a version that is not active (archive an active one first), as OpenMeter does.</summary>
    public Task DeleteAsync(string planId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var plan = ById(change.State, planId);
        if (Lifecycle.Status(plan, change.Now) == PlanStatus.Active)
        {
            throw new BillingConflictException($"plan \"{plan.Key}\" version {plan.Version} is active; archive it before deleting it");
        }

        return change.Put(Plan.Kind, plan with { DeletedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    /// <summary>A new draft version of a plan, copied from the given version (by id) or the latest one (by key), add-ons included.</summary>
    public Task<Plan> NextAsync(string planIdOrKey, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var source = (change.State.Find(Plan.Kind, planIdOrKey) is { DeletedAt: null } byId ? byId : Lifecycle.Latest(Versions(change.State, planIdOrKey)))
            ?? throw new BillingNotFoundException($"plan \"{planIdOrKey}\" not found");
        var versions = Versions(change.State, source.Key);
        RequireNoDraft(versions, change.Now);
        var next = source with
        {
            Id = Ulid.NewUlid().ToString(),
            Version = Lifecycle.NextVersion(versions),
            CreatedAt = change.Now,
            UpdatedAt = change.Now,
            EffectiveFrom = null,
            EffectiveTo = null,
            DeletedAt = null,
        };
        PlanRules.Validate(change.State, next);
        change.Put(Plan.Kind, next);
        PlanAddonService.CopyAssignments(change, source, next);
        return next.AsOf(change.Now);
    }, cancellationToken);

    /// <summary>
    /// A plan by id, or by key: the version active at <paramref name="at"/>, else the latest (with
    /// <paramref name="includeLatest"/>: the latest, draft included). Deleted versions are not found.
    /// </summary>
    public static Plan? Find(BillingState state, string idOrKey, DateTimeOffset at, bool includeLatest = false) =>
        Lifecycle.Find(state, Plan.Kind, idOrKey, at, includeLatest);

    /// <summary>The version of <paramref name="key"/> new subscriptions get at <paramref name="at"/>, if any.</summary>
    public static Plan? ActiveVersion(BillingState state, string key, DateTimeOffset at) =>
        Lifecycle.ActiveAt(Versions(state, key), at);

    /// <summary>A specific version of <paramref name="key"/> (not deleted).</summary>
    public static Plan? Version(BillingState state, string key, int version) =>
        Lifecycle.Version(state, Plan.Kind, key, version);

    /// <summary>Every version of <paramref name="key"/>, deleted ones included, by version.</summary>
    public static IReadOnlyList<Plan> Versions(BillingState state, string key) =>
        Lifecycle.Versions(state, Plan.Kind, key);

    /// <summary>Whether a plan version that is not deleted or archived sells <paramref name="featureKey"/>.</summary>
    public static bool UsesFeature(BillingState state, string featureKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.All(Plan.Kind).Any(p => p.DeletedAt is null
            && Lifecycle.Status(p, now) != PlanStatus.Archived
            && p.Phases.Any(phase => phase.RateCards.Any(rc => rc.FeatureKey == featureKey)));
    }

    internal static string Name(PlanStatus status) => status.ToString().ToLowerInvariant();

    private static Plan ById(BillingState state, string planId) =>
        state.Find(Plan.Kind, planId) is { DeletedAt: null } plan ? plan : throw new BillingNotFoundException($"plan \"{planId}\" not found");

    private static void RequireNoDraft(IReadOnlyList<Plan> versions, DateTimeOffset now)
    {
        if (versions.FirstOrDefault(v => v.DeletedAt is null && Lifecycle.Status(v, now) == PlanStatus.Draft) is { } draft)
        {
            throw new BillingConflictException($"plan \"{draft.Key}\" already has a draft (version {draft.Version}); publish, replace or delete it first");
        }
    }

    private static IReadOnlyList<PlanPhase> Phases(IReadOnlyList<PlanPhase?>? phases) =>
        phases is null ? null! : [.. phases.Select(p => p!)];

}
