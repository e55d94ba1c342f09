using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.Features;

/// <summary>OpenMeter's <c>/api/v1/features</c>.</summary>
public static class FeaturesApi
{
    public static IEndpointRouteBuilder MapFeaturesApi(this IEndpointRouteBuilder routes)
    {
        var features = routes.MapBillingGroup("/api/v1/features").WithTags("Product Catalog");
        features.MapGet("/", List).WithName("listFeatures");
        features.MapPost("/", CreateAsync).WithName("createFeature");
        features.MapGet("/{featureId}", Get).WithName("getFeature");
        features.MapDelete("/{featureId}", ArchiveAsync).WithName("deleteFeature");
        return routes;
    }

    private static IResult List(HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var meterSlugs = query["meterSlug"].Where(s => !string.IsNullOrEmpty(s)).ToHashSet(StringComparer.Ordinal);
        var includeArchived = QueryValues.Bool(query, "includeArchived") ?? false;
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["id", "key", "name", "createdAt", "updatedAt"]) ?? "createdAt";
        IEnumerable<Feature> features = repository.Current.All(Feature.Kind)
            .Where(f => includeArchived || !f.IsArchived)
            .Where(f => meterSlugs.Count == 0 || (f.MeterSlug is not null && meterSlugs.Contains(f.MeterSlug)));
        features = orderBy switch
        {
            "key" => QueryValues.Order(features, f => f.Key, descending),
            "name" => QueryValues.Order(features, f => f.Name, descending),
            "updatedAt" => QueryValues.Order(features, f => f.UpdatedAt, descending),
            "id" => QueryValues.Order(features, f => f.Id, descending),
            _ => QueryValues.Order(features, f => f.CreatedAt, descending),
        };
        return paging.Respond(features.ToList());
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, FeatureService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, FeatureJson.Default.FeatureCreateInputs);
        var feature = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/features/{feature.Id}", feature);
    }

    private static Ok<Feature> Get(string featureId, BillingRepository repository) =>
        FeatureService.Find(repository.Current, featureId) is { } feature
            ? TypedResults.Ok(feature)
            : throw new BillingNotFoundException($"feature \"{featureId}\" not found");

    private static async Task<IResult> ArchiveAsync(string featureId, FeatureService service, CancellationToken cancellationToken)
    {
        await service.ArchiveAsync(featureId, cancellationToken);
        return TypedResults.NoContent();
    }
}
