using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.Plans;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.AddOns;

/// <summary>OpenMeter's <c>/api/v1/addons</c>.</summary>
public static class AddonsApi
{
    public static IEndpointRouteBuilder MapAddonsApi(this IEndpointRouteBuilder routes)
    {
        var addons = routes.MapBillingGroup("/api/v1/addons").WithTags("Product Catalog");
        addons.MapGet("/", List).WithName("listAddons");
        addons.MapPost("/", CreateAsync).WithName("createAddon");
        addons.MapGet("/{addonId}", Get).WithName("getAddon");
        addons.MapPut("/{addonId}", ReplaceAsync).WithName("updateAddon");
        addons.MapDelete("/{addonId}", DeleteAsync).WithName("deleteAddon");
        addons.MapPost("/{addonId}/publish", PublishAsync).WithName("publishAddon");
        addons.MapPost("/{addonId}/archive", ArchiveAsync).WithName("archiveAddon");
        return routes;
    }

    private static Ok<PaginatedResponse<Addon>> List(HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var ids = QueryValues.List(query, "id");
        var keys = QueryValues.List(query, "key");
        var currencies = QueryValues.List(query, "currency");
        var statuses = QueryValues.List(query, "status").Select(s => s switch
        {
            "draft" => AddonStatus.Draft,
            "active" => AddonStatus.Active,
            "archived" => AddonStatus.Archived,
            _ => throw new BillingValidationException("status", "must be one of: draft, active, archived"),
        }).ToHashSet();
        var keyVersions = PlansApi.KeyVersions(query);
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["id", "key", "version", "created_at", "updated_at", "createdAt", "updatedAt"]) ?? "created_at";
        IEnumerable<Addon> addons = repository.Current.All(Addon.Kind)
            .Where(a => includeDeleted || a.DeletedAt is null)
            .Where(a => ids.Count == 0 || ids.Contains(a.Id))
            .Where(a => keys.Count == 0 || keys.Contains(a.Key))
            .Where(a => currencies.Count == 0 || currencies.Contains(a.Currency))
            .Where(a => statuses.Count == 0 || statuses.Contains(a.StatusAt(now)))
            .Where(a => keyVersions.Count == 0 || (keyVersions.TryGetValue(a.Key, out var versions) && (versions.Count == 0 || versions.Contains(a.Version))));
        addons = orderBy switch
        {
            "id" => QueryValues.Order(addons, a => a.Id, descending),
            "key" => QueryValues.Order(addons, a => (a.Key, a.Version), descending),
            "version" => QueryValues.Order(addons, a => a.Version, descending),
            "updated_at" or "updatedAt" => QueryValues.Order(addons, a => a.UpdatedAt, descending),
            _ => QueryValues.Order(addons, a => a.CreatedAt, descending),
        };
        return TypedResults.Ok(paging.ToPage<Addon>([.. addons.Select(a => a.AsOf(now))]));
    }

    private static async Task<Created<Addon>> CreateAsync(HttpRequest request, AddonService service)
    {
        var input = await CatalogRequests.ReadAsync(request, AddonJson.Default.AddonCreate);
        var addon = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/addons/{addon.Id}", addon);
    }

    private static Ok<Addon> Get(string addonId, HttpRequest request, BillingRepository repository)
    {
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var includeLatest = QueryValues.Bool(request.Query, "includeLatest") ?? false;
        return AddonService.Find(repository.Current, addonId, now, includeLatest) is { } addon
            ? TypedResults.Ok(addon.AsOf(now))
            : throw new BillingNotFoundException($"add-on \"{addonId}\" not found");
    }

    private static async Task<Ok<Addon>> ReplaceAsync(string addonId, HttpRequest request, AddonService service)
    {
        var input = await CatalogRequests.ReadAsync(request, AddonJson.Default.AddonReplaceUpdate);
        return TypedResults.Ok(await service.ReplaceAsync(addonId, input, request.HttpContext.RequestAborted));
    }

    private static async Task<NoContent> DeleteAsync(string addonId, AddonService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(addonId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Addon>> PublishAsync(string addonId, AddonService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.PublishAsync(addonId, cancellationToken));

    private static async Task<Ok<Addon>> ArchiveAsync(string addonId, AddonService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ArchiveAsync(addonId, cancellationToken));
}
