using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.Plans;

/// <summary>OpenMeter's <c>/api/v1/plans</c>.</summary>
public static class PlansApi
{
    public static IEndpointRouteBuilder MapPlansApi(this IEndpointRouteBuilder routes)
    {
        var plans = routes.MapBillingGroup("/api/v1/plans").WithTags("Product Catalog");
        plans.MapGet("/", List).WithName("listPlans");
        plans.MapPost("/", CreateAsync).WithName("createPlan");
        plans.MapGet("/{planId}", Get).WithName("getPlan");
        plans.MapPut("/{planId}", ReplaceAsync).WithName("updatePlan");
        plans.MapDelete("/{planId}", DeleteAsync).WithName("deletePlan");
        plans.MapPost("/{planId}/publish", PublishAsync).WithName("publishPlan");
        plans.MapPost("/{planId}/archive", ArchiveAsync).WithName("archivePlan");
        plans.MapPost("/{planIdOrKey}/next", NextAsync).WithName("nextPlan");
        return routes;
    }

    private static Ok<PaginatedResponse<Plan>> List(HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var ids = QueryValues.List(query, "id");
        var keys = QueryValues.List(query, "key");
        var currencies = QueryValues.List(query, "currency");
        var statuses = QueryValues.List(query, "status").Select(s => Enum.TryParse<PlanStatus>(s, ignoreCase: true, out var status) && s.All(char.IsAsciiLetterLower)
            ? status
            : throw new BillingValidationException("status", "must be one of: draft, active, archived, scheduled")).ToHashSet();
        var keyVersions = KeyVersions(query);
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["id", "key", "version", "created_at", "updated_at", "createdAt", "updatedAt"]) ?? "created_at";
        IEnumerable<Plan> plans = repository.Current.All(Plan.Kind)
            .Where(p => includeDeleted || p.DeletedAt is null)
            .Where(p => ids.Count == 0 || ids.Contains(p.Id))
            .Where(p => keys.Count == 0 || keys.Contains(p.Key))
            .Where(p => currencies.Count == 0 || currencies.Contains(p.Currency))
            .Where(p => statuses.Count == 0 || statuses.Contains(Lifecycle.Status(p, now)))
            .Where(p => keyVersions.Count == 0 || (keyVersions.TryGetValue(p.Key, out var versions) && (versions.Count == 0 || versions.Contains(p.Version))));
        plans = orderBy switch
        {
            "id" => QueryValues.Order(plans, p => p.Id, descending),
            "key" => QueryValues.Order(plans, p => (p.Key, p.Version), descending),
            "version" => QueryValues.Order(plans, p => p.Version, descending),
            "updated_at" or "updatedAt" => QueryValues.Order(plans, p => p.UpdatedAt, descending),
            _ => QueryValues.Order(plans, p => p.CreatedAt, descending),
        };
        return TypedResults.Ok(paging.ToPage<Plan>([.. plans.Select(p => p.AsOf(now))]));
    }

    private static async Task<Created<Plan>> CreateAsync(HttpRequest request, PlanService service)
    {
        var input = await CatalogRequests.ReadAsync(request, PlanJson.Default.PlanCreate);
        var plan = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/plans/{plan.Id}", plan);
    }

    private static Ok<Plan> Get(string planId, HttpRequest request, BillingRepository repository)
    {
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var includeLatest = QueryValues.Bool(request.Query, "includeLatest") ?? false;
        return PlanService.Find(repository.Current, planId, now, includeLatest) is { } plan
            ? TypedResults.Ok(plan.AsOf(now))
            : throw new BillingNotFoundException($"plan \"{planId}\" not found");
    }

    private static async Task<Ok<Plan>> ReplaceAsync(string planId, HttpRequest request, PlanService service)
    {
        var input = await CatalogRequests.ReadAsync(request, PlanJson.Default.PlanReplaceUpdate);
        return TypedResults.Ok(await service.ReplaceAsync(planId, input, request.HttpContext.RequestAborted));
    }

    private static async Task<NoContent> DeleteAsync(string planId, PlanService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(planId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Plan>> PublishAsync(string planId, PlanService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.PublishAsync(planId, cancellationToken));

    private static async Task<Ok<Plan>> ArchiveAsync(string planId, PlanService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ArchiveAsync(planId, cancellationToken));

    private static async Task<Created<Plan>> NextAsync(string planIdOrKey, PlanService service, CancellationToken cancellationToken)
    {
        var plan = await service.NextAsync(planIdOrKey, cancellationToken);
        return TypedResults.Created($"/api/v1/plans/{plan.Id}", plan);
    }

    /// <summary>OpenMeter's deep-object <c>keyVersion[token]=1&amp;keyVersion[token]=2</c>: versions per key (none: any version).</summary>
    internal static Dictionary<string, HashSet<int>> KeyVersions(IQueryCollection query)
    {
        var filter = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var (name, values) in query)
        {
            if (!name.StartsWith("keyVersion[", StringComparison.Ordinal) || !name.EndsWith(']'))
            {
                continue;
            }

            var key = name["keyVersion[".Length..^1];
            var versions = filter.TryGetValue(key, out var existing) ? existing : filter[key] = [];
            foreach (var value in values)
            {
                if (string.IsNullOrEmpty(value))
                {
                    continue;
                }

                versions.Add(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1
                    ? version
                    : throw new BillingValidationException(name, "must be a version number (1, 2, …)"));
            }
        }

        return filter;
    }
}
