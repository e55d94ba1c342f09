using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>
/// Which add-ons a plan version offers. Assignments change with the plan's draft (as its rate cards do) and are
/// checked again when the plan is published.
/// </summary>
public sealed class PlanAddonService(BillingRepository repository)
{
    public Task<PlanAddonView> CreateAsync(string planId, PlanAddonCreate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var plan = EditablePlan(change.State, planId, change.Now);
            if (string.IsNullOrEmpty(input.AddonId))
            {
                throw new BillingValidationException("addonId", "is required");
            }

            var addon = change.State.Find(Addon.Kind, input.AddonId) is { DeletedAt: null } found
                ? found
                : throw new BillingValidationException("addonId", $"no add-on with id \"{input.AddonId}\"");
            if (Assignments(change.State, plan.Id).Any(a => a.AddonId == addon.Id || change.State.Find(Addon.Kind, a.AddonId)?.Key == addon.Key))
            {
                throw new BillingConflictException($"add-on \"{addon.Key}\" is already assigned to plan \"{plan.Key}\" version {plan.Version}");
            }

            var assignment = new PlanAddon
            {
                Id = Ulid.NewUlid().ToString(),
                PlanId = plan.Id,
                AddonId = addon.Id,
                CreatedAt = change.Now,
                UpdatedAt = change.Now,
                Metadata = input.Metadata,
                FromPlanPhase = input.FromPlanPhase!,
                MaxQuantity = input.MaxQuantity,
            };
            Validate(plan, addon, assignment, change.Now);
            return View(change.State, change.Put(PlanAddon.Kind, assignment), change.Now);
        }, cancellationToken);
    }

    public Task<PlanAddonView> ReplaceAsync(string planId, string planAddonId, PlanAddonReplaceUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        return repository.ChangeAsync(change =>
        {
            var plan = EditablePlan(change.State, planId, change.Now);
            var assignment = Find(change.State, plan.Id, planAddonId) ?? throw NotFound(planAddonId, plan);
            var addon = change.State.Find(Addon.Kind, assignment.AddonId)!;
            var replaced = assignment with
            {
                Metadata = input.Metadata,
                FromPlanPhase = input.FromPlanPhase!,
                MaxQuantity = input.MaxQuantity,
                UpdatedAt = change.Now,
            };
            Validate(plan, addon, replaced, change.Now);
            return View(change.State, change.Put(PlanAddon.Kind, replaced), change.Now);
        }, cancellationToken);
    }

    public Task DeleteAsync(string planId, string planAddonId, CancellationToken cancellationToken) => repository.ChangeAsync(change =>
    {
        var plan = EditablePlan(change.State, planId, change.Now);
        var assignment = Find(change.State, plan.Id, planAddonId) ?? throw NotFound(planAddonId, plan);
        return change.Put(PlanAddon.Kind, assignment with { DeletedAt = change.Now, UpdatedAt = change.Now });
    }, cancellationToken);

    /// <summary>The live assignment on <paramref name="planId"/> by its id, or by the add-on's id or key.</summary>
    public static PlanAddon? Find(BillingState state, string planId, string planAddonIdOrAddon)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Assignments(state, planId).FirstOrDefault(a => a.Id == planAddonIdOrAddon || a.AddonId == planAddonIdOrAddon)
            ?? Assignments(state, planId).FirstOrDefault(a => state.Find(Addon.Kind, a.AddonId)?.Key == planAddonIdOrAddon);
    }

    /// <summary>The plan version's assignments that are not deleted, oldest first.</summary>
    public static IReadOnlyList<PlanAddon> Assignments(BillingState state, string planId, bool includeDeleted = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        return [.. state.All(PlanAddon.Kind).Where(a => a.PlanId == planId && (includeDeleted || a.DeletedAt is null)).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id, StringComparer.Ordinal)];
    }

    public static PlanAddonView View(BillingState state, PlanAddon assignment, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(assignment);
        return new PlanAddonView
        {
            CreatedAt = assignment.CreatedAt,
            UpdatedAt = assignment.UpdatedAt,
            DeletedAt = assignment.DeletedAt,
            Metadata = assignment.Metadata,
            Addon = state.Find(Addon.Kind, assignment.AddonId)!.AsOf(now),
            FromPlanPhase = assignment.FromPlanPhase,
            MaxQuantity = assignment.MaxQuantity,
            ValidationErrors = [],
        };
    }

    /// <summary>Publishing a plan checks its add-ons again: each must still be active and offered from a phase the plan has.</summary>
    internal static void RequirePublishable(BillingState state, Plan plan, DateTimeOffset now)
    {
        foreach (var assignment in Assignments(state, plan.Id))
        {
            var addon = state.Find(Addon.Kind, assignment.AddonId);
            if (addon is null or { DeletedAt: not null })
            {
                throw new BillingValidationException("addons", $"add-on {assignment.AddonId} assigned to this plan is deleted; remove the assignment");
            }

            Validate(plan, addon, assignment, now);
        }
    }

    /// <summary>A new plan version offers the add-ons its source offered.</summary>
    internal static void CopyAssignments(BillingChange change, Plan from, Plan to)
    {
        foreach (var assignment in Assignments(change.State, from.Id))
        {
            change.Put(PlanAddon.Kind, assignment with { Id = Ulid.NewUlid().ToString(), PlanId = to.Id, CreatedAt = change.Now, UpdatedAt = change.Now });
        }
    }

    private static void Validate(Plan plan, Addon addon, PlanAddon assignment, DateTimeOffset now)
    {
        var status = addon.StatusAt(now);
        if (status != AddonStatus.Active)
        {
            throw new BillingValidationException("addonId", $"add-on \"{addon.Key}\" version {addon.Version} is {status.ToString().ToLowerInvariant()}; only published (active) add-ons are offered with plans");
        }

        if (addon.Currency != plan.Currency)
        {
            throw new BillingValidationException("addonId", $"add-on \"{addon.Key}\" is in {addon.Currency}, the plan in {plan.Currency}: currencies must match");
        }

        var planCadence = plan.Cadence();
        foreach (var rateCard in addon.RateCards)
        {
            if (rateCard.Price is not null && rateCard.Cadence() is { } cadence && !IsoDuration.Aligned(planCadence, cadence))
            {
                throw new BillingValidationException("addonId", $"add-on rate card \"{rateCard.Key}\" bills every {cadence}, which does not align with the plan's {planCadence}");
            }
        }

        if (string.IsNullOrEmpty(assignment.FromPlanPhase))
        {
            throw new BillingValidationException("fromPlanPhase", "is required");
        }

        if (!plan.Phases.Any(p => p.Key == assignment.FromPlanPhase))
        {
            throw new BillingValidationException("fromPlanPhase", $"plan \"{plan.Key}\" has no phase \"{assignment.FromPlanPhase}\" (it has: {string.Join(", ", plan.Phases.Select(p => p.Key))})");
        }

        // Unset means no limit, as in OpenMeter; set, it must allow at least one.
        if (addon.InstanceType == AddonInstanceType.MultipleInstance && assignment.MaxQuantity is <= 0)
        {
            throw new BillingValidationException("maxQuantity", "must be a positive number (or left out for no limit)");
        }

        if (addon.InstanceType == AddonInstanceType.SingleInstance && assignment.MaxQuantity is not null)
        {
            throw new BillingValidationException("maxQuantity", "must not be set for an add-on with instanceType single (it is bought once)");
        }
    }

    private static Plan EditablePlan(BillingState state, string planId, DateTimeOffset now)
    {
        var plan = state.Find(Plan.Kind, planId) is { DeletedAt: null } found ? found : throw new BillingNotFoundException($"plan \"{planId}\" not found");
        var status = Lifecycle.Status(plan, now);
        if (status is not (PlanStatus.Draft or PlanStatus.Scheduled))
        {
            throw new BillingConflictException($"plan \"{plan.Key}\" version {plan.Version} is {PlanService.Name(status)}; add-ons are assigned to draft versions (POST /api/v1/plans/{plan.Key}/next starts one)");
        }

        return plan;
    }

    private static BillingNotFoundException NotFound(string planAddonId, Plan plan) =>
        new($"add-on \"{planAddonId}\" is not assigned to plan \"{plan.Key}\" version {plan.Version}");
}
