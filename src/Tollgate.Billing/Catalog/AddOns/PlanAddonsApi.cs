using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>OpenMeter's <c>/api/v1/plans/{planId}/addons</c>.</summary>
public static class PlanAddonsApi
{
    public static IEndpointRouteBuilder MapPlanAddonsApi(this IEndpointRouteBuilder routes)
    {
        var assignments = routes.MapBillingGroup("/api/v1/plans/{planId}/addons").WithTags("Product Catalog");
        assignments.MapGet("/", List).WithName("listPlanAddons");
        assignments.MapPost("/", CreateAsync).WithName("createPlanAddon");
        assignments.MapGet("/{planAddonId}", Get).WithName("getPlanAddon");
        assignments.MapPut("/{planAddonId}", ReplaceAsync).WithName("updatePlanAddon");
        assignments.MapDelete("/{planAddonId}", DeleteAsync).WithName("deletePlanAddon");
        return routes;
    }

    private static Ok<PaginatedResponse<PlanAddonView>> List(string planId, HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var state = repository.Current;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var plan = PlanService.Find(state, planId, now) ?? throw new BillingNotFoundException($"plan \"{planId}\" not found");
        var ids = QueryValues.List(query, "id");
        var keys = QueryValues.List(query, "key");
        var keyVersions = PlansApi.KeyVersions(query);
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["id", "key", "version", "created_at", "updated_at", "createdAt", "updatedAt"]) ?? "created_at";
        var views = PlanAddonService.Assignments(state, plan.Id, includeDeleted)
            .Select(a => PlanAddonService.View(state, a, now))
            .Where(v => ids.Count == 0 || ids.Contains(v.Addon.Id))
            .Where(v => keys.Count == 0 || keys.Contains(v.Addon.Key))
            .Where(v => keyVersions.Count == 0 || (keyVersions.TryGetValue(v.Addon.Key, out var versions) && (versions.Count == 0 || versions.Contains(v.Addon.Version))));
        Func<PlanAddonView, string> key = orderBy switch
        {
            "id" => v => v.Addon.Id,
            "key" => v => v.Addon.Key,
            "version" => v => v.Addon.Version.ToString("D10", System.Globalization.CultureInfo.InvariantCulture),
            "updated_at" or "updatedAt" => v => v.UpdatedAt.UtcTicks.ToString("D20", System.Globalization.CultureInfo.InvariantCulture),
            _ => v => v.CreatedAt.UtcTicks.ToString("D20", System.Globalization.CultureInfo.InvariantCulture),
        };
        var ordered = descending ? views.OrderByDescending(key, StringComparer.Ordinal) : views.OrderBy(key, StringComparer.Ordinal);
        return TypedResults.Ok(paging.ToPage<PlanAddonView>([.. ordered]));
    }

    private static async Task<Created<PlanAddonView>> CreateAsync(string planId, HttpRequest request, PlanAddonService service)
    {
        var input = await CatalogRequests.ReadAsync(request, AddonJson.Default.PlanAddonCreate);
        var view = await service.CreateAsync(planId, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/plans/{planId}/addons/{view.Addon.Id}", view);
    }

    private static Ok<PlanAddonView> Get(string planId, string planAddonId, BillingRepository repository)
    {
        var state = repository.Current;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var plan = PlanService.Find(state, planId, now) ?? throw new BillingNotFoundException($"plan \"{planId}\" not found");
        return PlanAddonService.Find(state, plan.Id, planAddonId) is { } assignment
            ? TypedResults.Ok(PlanAddonService.View(state, assignment, now))
            : throw new BillingNotFoundException($"add-on \"{planAddonId}\" is not assigned to plan \"{planId}\"");
    }

    private static async Task<Ok<PlanAddonView>> ReplaceAsync(string planId, string planAddonId, HttpRequest request, PlanAddonService service)
    {
        var input = await CatalogRequests.ReadAsync(request, AddonJson.Default.PlanAddonReplaceUpdate);
        return TypedResults.Ok(await service.ReplaceAsync(planId, planAddonId, input, request.HttpContext.RequestAborted));
    }

    private static async Task<NoContent> DeleteAsync(string planId, string planAddonId, PlanAddonService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(planId, planAddonId, cancellationToken);
        return TypedResults.NoContent();
    }
}
