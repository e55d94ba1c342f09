using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Apps;

/// <summary>OpenMeter's <c>/api/v1/apps</c> and <c>/api/v1/marketplace/listings</c>.</summary>
public static class AppsApi
{
    public static IEndpointRouteBuilder MapAppsApi(this IEndpointRouteBuilder routes)
    {
        var apps = routes.MapBillingGroup("/api/v1/apps").WithTags("Apps");
        apps.MapGet("/", List).WithName("listApps");
        apps.MapGet("/{id}", Get).WithName("getApp");
        apps.MapPut("/{id}", ReplaceAsync).WithName("updateApp");
        apps.MapDelete("/{id}", UninstallAsync).WithName("uninstallApp");

        var listings = routes.MapBillingGroup("/api/v1/marketplace/listings").WithTags("Apps");
        listings.MapGet("/", ListListings).WithName("listMarketplaceListings");
        listings.MapGet("/{type}", GetListing).WithName("getMarketplaceListing");
        listings.MapPost("/{type}/install", InstallAsync).WithName("marketplaceAppInstall");
        return routes;
    }

    private static Ok<PaginatedResponse<AppView>> List(HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var apps = QueryValues.Order(repository.Current.All(InstalledApp.Kind).Where(a => !a.IsDeleted), a => a.CreatedAt, descending: false);
        return TypedResults.Ok(paging.ToPage<AppView>([.. apps.Select(AppView.Of)]));
    }

    private static Ok<AppView> Get(string id, BillingRepository repository) => TypedResults.Ok(AppView.Of(AppService.Live(repository.Current, id)));

    private static async Task<Ok<AppView>> ReplaceAsync(string id, HttpRequest request, AppService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, AppJson.Default.AppReplaceUpdate);
        return TypedResults.Ok(AppView.Of(await service.ReplaceAsync(id, input, request.HttpContext.RequestAborted)));
    }

    private static async Task<NoContent> UninstallAsync(string id, AppService service, CancellationToken cancellationToken)
    {
        await service.UninstallAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static Ok<PaginatedResponse<MarketplaceListing>> ListListings(HttpRequest request) =>
        TypedResults.Ok(Paging.From(request).ToPage(Marketplace.All));

    private static Ok<MarketplaceListing> GetListing(string type) => TypedResults.Ok(Marketplace.Find(type));

    private static async Task<Ok<MarketplaceInstallResponse>> InstallAsync(string type, HttpRequest request, AppService service)
    {
        // The payload's fields are all optional, so an empty body installs with the listing's name.
        var input = request.ContentLength == 0 || (request.ContentLength is null && request.ContentType is null)
            ? new MarketplaceInstallRequest()
            : await BillingEndpoints.ReadAsync(request, AppJson.Default.MarketplaceInstallRequest);
        return TypedResults.Ok(await service.InstallAsync(type, input, request.HttpContext.RequestAborted));
    }
}
