using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// OpenMeter's v1 entitlement paths the SDK still calls: <c>/api/v1/subjects/{subjectIdOrKey}/entitlements…</c> (the
/// subject stands for the customer its usage is attributed to), <c>/api/v1/entitlements</c> and <c>/api/v1/grants</c>.
/// </summary>
public static class EntitlementsV1Api
{
    public static IEndpointRouteBuilder MapEntitlementsV1Api(this IEndpointRouteBuilder routes)
    {
        var subject = routes.MapBillingGroup("/api/v1/subjects/{subjectIdOrKey}/entitlements").WithTags("Entitlements");
        subject.MapGet("/", List).WithName("listSubjectEntitlements");
        subject.MapPost("/", CreateAsync).WithName("createEntitlement");
        subject.MapGet("/{entitlementId}", Get).WithName("getEntitlement");
        subject.MapDelete("/{entitlementId}", DeleteAsync).WithName("deleteEntitlement");
        subject.MapGet("/{entitlementIdOrFeatureKey}/value", ValueAsync).WithName("getEntitlementValue");
        subject.MapGet("/{entitlementIdOrFeatureKey}/grants", ListGrants).WithName("listEntitlementGrants");
        subject.MapPost("/{entitlementIdOrFeatureKey}/grants", CreateGrantAsync).WithName("createGrant");
        subject.MapPut("/{entitlementIdOrFeatureKey}/override", OverrideAsync).WithName("overrideEntitlement");
        subject.MapGet("/{entitlementId}/history", HistoryAsync).WithName("getEntitlementHistory");
        subject.MapPost("/{entitlementId}/reset", ResetAsync).WithName("resetEntitlementUsage");

        var entitlements = routes.MapBillingGroup("/api/v1/entitlements").WithTags("Entitlements");
        entitlements.MapGet("/", ListAll).WithName("listEntitlements");
        entitlements.MapGet("/{entitlementId}", GetById).WithName("getEntitlementById");

        var grants = routes.MapBillingGroup("/api/v1/grants").WithTags("Entitlements");
        grants.MapGet("/", ListAllGrants).WithName("listGrants");
        grants.MapDelete("/{grantId}", VoidAsync).WithName("voidGrant");
        return routes;
    }

    /// <summary>The customer whose usage the subject is; a customer key works too (OpenMeter's default attribution).</summary>
    private static Customer Customer(BillingState state, string subjectIdOrKey) =>
        CustomerLookup.Of(state).BySubject(subjectIdOrKey) ?? CustomerLookup.Find(state, subjectIdOrKey)
            ?? throw new BillingNotFoundException($"subject \"{subjectIdOrKey}\" is not attributed to any customer");

    private static string? SubjectOf(BillingState state, Entitlement entitlement) =>
        state.Find(Billing.Customers.Customer.Kind, entitlement.CustomerId)?.UsageSubjects is { Count: > 0 } subjects ? subjects[0] : null;

    private static Ok<List<EntitlementView>> List(string subjectIdOrKey, HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var customer = Customer(state, subjectIdOrKey);
        var includeDeleted = QueryValues.Bool(request.Query, "includeDeleted") ?? false;
        var now = repository.Time.GetUtcNow();
        return TypedResults.Ok(EntitlementLookup.Of(state).ForCustomer(customer.Id)
            .Where(e => includeDeleted || !e.IsDeleted)
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal)
            .Select(e => EntitlementsApi.View(state, e, now, subjectIdOrKey)).ToList());
    }

    private static async Task<IResult> CreateAsync(string subjectIdOrKey, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.EntitlementCreateInputs);
        var customer = Customer(repository.Current, subjectIdOrKey);
        var entitlement = await service.CreateAsync(customer.Id, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/subjects/{subjectIdOrKey}/entitlements/{entitlement.Id}", EntitlementsApi.View(repository.Current, entitlement, repository.Time.GetUtcNow(), subjectIdOrKey));
    }

    private static Ok<EntitlementView> Get(string subjectIdOrKey, string entitlementId, BillingRepository repository)
    {
        var state = repository.Current;
        var now = repository.Time.GetUtcNow();
        var entitlement = EntitlementService.Require(state, Customer(state, subjectIdOrKey), entitlementId, now);
        return TypedResults.Ok(EntitlementsApi.View(state, entitlement, now, subjectIdOrKey));
    }

    private static async Task<IResult> DeleteAsync(string subjectIdOrKey, string entitlementId, EntitlementService service, BillingRepository repository, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(Customer(repository.Current, subjectIdOrKey).Id, entitlementId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<EntitlementValue>> ValueAsync(string subjectIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, BillingRepository repository, EntitlementBalances balances)
    {
        var state = repository.Current;
        var at = QueryValues.Time(request.Query, "time") ?? repository.Time.GetUtcNow();
        var entitlement = EntitlementService.Require(state, Customer(state, subjectIdOrKey), entitlementIdOrFeatureKey, at);
        var value = await balances.ValueAsync(state, entitlement, at, request.HttpContext.RequestAborted);
        return TypedResults.Ok(value with { GrantBalances = null });
    }

    private static Ok<List<Grant>> ListGrants(string subjectIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var now = repository.Time.GetUtcNow();
        var entitlement = EntitlementService.Require(state, Customer(state, subjectIdOrKey), entitlementIdOrFeatureKey, now);
        var includeDeleted = QueryValues.Bool(request.Query, "includeDeleted") ?? false;
        return TypedResults.Ok(EntitlementLookup.Of(state).Grants(entitlement.Id)
            .Where(g => includeDeleted || !g.IsDeleted)
            .OrderBy(g => g.CreatedAt).ThenBy(g => g.Id, StringComparer.Ordinal)
            .Select(g => EntitlementsApi.GrantView(g, now)).ToList());
    }

    private static async Task<IResult> CreateGrantAsync(string subjectIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.GrantCreateInput);
        var customer = Customer(repository.Current, subjectIdOrKey);
        var grant = await service.CreateGrantAsync(customer.Id, entitlementIdOrFeatureKey, input, request.HttpContext.RequestAborted, v1: true);
        return TypedResults.Created($"/api/v1/subjects/{subjectIdOrKey}/entitlements/{grant.EntitlementId}/grants", EntitlementsApi.GrantView(grant, repository.Time.GetUtcNow()));
    }

    private static async Task<IResult> OverrideAsync(string subjectIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.EntitlementCreateInputs);
        var customer = Customer(repository.Current, subjectIdOrKey);
        var entitlement = await service.OverrideAsync(customer.Id, entitlementIdOrFeatureKey, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/subjects/{subjectIdOrKey}/entitlements/{entitlement.Id}", EntitlementsApi.View(repository.Current, entitlement, repository.Time.GetUtcNow(), subjectIdOrKey));
    }

    private static async Task<IResult> ResetAsync(string subjectIdOrKey, string entitlementId, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = request.ContentLength is 0 ? new ResetEntitlementUsageInput() : await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.ResetEntitlementUsageInput);
        await service.ResetAsync(Customer(repository.Current, subjectIdOrKey).Id, entitlementId, input, request.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    private static Task<IResult> HistoryAsync(string subjectIdOrKey, string entitlementId, HttpRequest request, BillingRepository repository, EntitlementBalances balances) =>
        EntitlementsApi.HistoryAsync(Customer(repository.Current, subjectIdOrKey).Id, entitlementId, request, repository, balances);

    private static IResult ListAll(HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var query = request.Query;
        var features = QueryValues.List(query, "feature");
        var subjects = query["subject"].Where(f => !string.IsNullOrEmpty(f)).Select(s => CustomerLookup.Of(state).BySubject(s!)?.Id ?? s!).ToHashSet(StringComparer.Ordinal);
        var types = QueryValues.List(query, "entitlementType");
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var now = repository.Time.GetUtcNow();
        var list = state.All(Entitlement.Kind)
            .Where(e => includeDeleted || !e.IsDeleted)
            .Where(e => features.Count == 0 || features.Contains(e.FeatureKey) || features.Contains(e.FeatureId))
            .Where(e => subjects.Count == 0 || subjects.Contains(e.CustomerId))
            .Where(e => types.Count == 0 || types.Contains(e.Type));
        var ordered = QueryValues.OneOf(query, "orderBy", ["createdAt", "updatedAt"]) == "updatedAt"
            ? QueryValues.Order(list, e => e.UpdatedAt, QueryValues.Descending(query))
            : QueryValues.Order(list, e => e.CreatedAt, QueryValues.Descending(query));
        return Paging.From(request).Respond(ordered.Select(e => EntitlementsApi.View(state, e, now, SubjectOf(state, e))).ToList());
    }

    private static Ok<EntitlementView> GetById(string entitlementId, BillingRepository repository)
    {
        var state = repository.Current;
        var entitlement = state.Find(Entitlement.Kind, entitlementId) ?? throw new BillingNotFoundException($"entitlement \"{entitlementId}\" not found");
        return TypedResults.Ok(EntitlementsApi.View(state, entitlement, repository.Time.GetUtcNow(), SubjectOf(state, entitlement)));
    }

    private static IResult ListAllGrants(HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var query = request.Query;
        var features = QueryValues.List(query, "feature");
        var subjects = query["subject"].Where(f => !string.IsNullOrEmpty(f)).Select(s => CustomerLookup.Of(state).BySubject(s!)?.Id ?? s!).ToHashSet(StringComparer.Ordinal);
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var now = repository.Time.GetUtcNow();
        var grants = state.All(Grant.Kind)
            .Where(g => includeDeleted || !g.IsDeleted)
            .Where(g => state.Find(Entitlement.Kind, g.EntitlementId) is { } e
                && (features.Count == 0 || features.Contains(e.FeatureKey) || features.Contains(e.FeatureId))
                && (subjects.Count == 0 || subjects.Contains(e.CustomerId)));
        return Paging.From(request).Respond(QueryValues.Order(grants, g => g.CreatedAt, QueryValues.Descending(query)).Select(g => EntitlementsApi.GrantView(g, now)).ToList());
    }

    private static async Task<IResult> VoidAsync(string grantId, EntitlementService service, CancellationToken cancellationToken)
    {
        await service.VoidAsync(grantId, cancellationToken);
        return TypedResults.NoContent();
    }

}
