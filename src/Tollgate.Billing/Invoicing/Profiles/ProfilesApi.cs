using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>OpenMeter's <c>/api/v1/billing/profiles</c>.</summary>
public static class ProfilesApi
{
    private static readonly string[] AllowedExpands = ["apps"];

    public static IEndpointRouteBuilder MapBillingProfilesApi(this IEndpointRouteBuilder routes)
    {
        var profiles = routes.MapBillingGroup("/api/v1/billing/profiles").WithTags("Billing");
        profiles.MapGet("/", List).WithName("listBillingProfiles");
        profiles.MapPost("/", CreateAsync).WithName("createBillingProfile");
        profiles.MapGet("/{id}", Get).WithName("getBillingProfile");
        profiles.MapPut("/{id}", ReplaceAsync).WithName("updateBillingProfile");
        profiles.MapDelete("/{id}", DeleteAsync).WithName("deleteBillingProfile");
        return routes;
    }

    private static IResult List(HttpRequest request, BillingRepository repository)
    {
        var query = request.Query;
        var paging = Paging.From(request);
        var includeArchived = QueryValues.Bool(query, "includeArchived") ?? false;
        var expandApps = QueryValues.Expands(query, AllowedExpands).Contains("apps");
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["createdAt", "updatedAt", "default", "name"]) ?? "createdAt";
        var state = repository.Current;
        var profiles = state.All(BillingProfile.Kind).Where(p => includeArchived || !p.IsDeleted);
        var ordered = orderBy switch
        {
            "updatedAt" => QueryValues.Order(profiles, p => p.UpdatedAt, descending),
            "default" => QueryValues.Order(profiles, p => p.Default, descending),
            "name" => QueryValues.Order(profiles, p => p.Name, descending),
            _ => QueryValues.Order(profiles, p => p.CreatedAt, descending),
        };
        return expandApps
            ? TypedResults.Ok(paging.ToPage<ExpandedBillingProfile>([.. ordered.Select(p => ExpandedBillingProfile.Of(state, p))]))
            : TypedResults.Ok(paging.ToPage<BillingProfile>([.. ordered]));
    }

    private static async Task<Created<BillingProfile>> CreateAsync(HttpRequest request, BillingProfileService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, ProfileJson.Default.BillingProfileCreate);
        var profile = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/billing/profiles/{profile.Id}", profile);
    }

    private static IResult Get(string id, HttpRequest request, BillingRepository repository)
    {
        var expandApps = QueryValues.Expands(request.Query, AllowedExpands).Contains("apps");
        var state = repository.Current;
        var profile = state.Find(BillingProfile.Kind, id) ?? throw new BillingNotFoundException($"billing profile \"{id}\" not found");
        return expandApps ? TypedResults.Ok(ExpandedBillingProfile.Of(state, profile)) : TypedResults.Ok(profile);
    }

    private static async Task<Ok<BillingProfile>> ReplaceAsync(string id, HttpRequest request, BillingProfileService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, ProfileJson.Default.BillingProfileReplaceUpdate);
        return TypedResults.Ok(await service.ReplaceAsync(id, input, request.HttpContext.RequestAborted));
    }

    private static async Task<NoContent> DeleteAsync(string id, BillingProfileService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }
}
