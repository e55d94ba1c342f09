using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;
using Tollgate.Metering.Queries;

namespace Tollgate.Billing.Entitlements;

/// <summary>
/// OpenMeter's entitlement endpoints: <c>/api/v2/customers/{customerIdOrKey}/entitlements…</c>, <c>/api/v2/entitlements</c>,
/// <c>/api/v2/grants</c>, the v1 customer value and access, and the v1 subject paths the SDK still calls.
/// </summary>
public static class EntitlementsApi
{
    public static IEndpointRouteBuilder MapEntitlementsApi(this IEndpointRouteBuilder routes)
    {
        var customer = routes.MapBillingGroup("/api/v2/customers/{customerIdOrKey}/entitlements").WithTags("Entitlements");
        customer.MapGet("/", ListForCustomer).WithName("listCustomerEntitlementsV2");
        customer.MapPost("/", CreateAsync).WithName("createCustomerEntitlementV2");
        customer.MapGet("/{entitlementIdOrFeatureKey}", Get).WithName("getCustomerEntitlementV2");
        customer.MapDelete("/{entitlementIdOrFeatureKey}", DeleteAsync).WithName("deleteCustomerEntitlementV2");
        customer.MapGet("/{entitlementIdOrFeatureKey}/value", ValueAsync).WithName("getCustomerEntitlementValueV2");
        customer.MapGet("/{entitlementIdOrFeatureKey}/grants", ListGrants).WithName("listCustomerEntitlementGrantsV2");
        customer.MapPost("/{entitlementIdOrFeatureKey}/grants", CreateGrantAsync).WithName("createCustomerEntitlementGrantV2");
        customer.MapPost("/{entitlementIdOrFeatureKey}/reset", ResetAsync).WithName("resetCustomerEntitlementUsageV2");
        customer.MapPut("/{entitlementIdOrFeatureKey}/override", OverrideAsync).WithName("overrideCustomerEntitlementV2");
        customer.MapGet("/{entitlementIdOrFeatureKey}/history", HistoryAsync).WithName("getCustomerEntitlementHistoryV2");

        var entitlements = routes.MapBillingGroup("/api/v2/entitlements").WithTags("Entitlements");
        entitlements.MapGet("/", ListAll).WithName("listEntitlementsV2");
        entitlements.MapGet("/{entitlementId}", GetById).WithName("getEntitlementByIdV2");

        var grants = routes.MapBillingGroup("/api/v2/grants").WithTags("Entitlements");
        grants.MapGet("/", ListAllGrants).WithName("listGrantsV2");

        var v1 = routes.MapBillingGroup("/api/v1/customers/{customerIdOrKey}").WithTags("Entitlements");
        v1.MapGet("/access", CustomerAccessAsync).WithName("getCustomerAccess");
        v1.MapGet("/entitlements/{featureKey}/value", V1ValueAsync).WithName("getCustomerEntitlementValue");
        return routes.MapEntitlementsV1Api();
    }

    private static Ok<PaginatedResponse<EntitlementView>> ListForCustomer(string customerIdOrKey, HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var customer = EntitlementService.RequireCustomer(state, customerIdOrKey);
        var list = Ordered(request, EntitlementLookup.Of(state).ForCustomer(customer.Id).Where(Deleted(request)));
        return TypedResults.Ok(Paging.From(request).ToPage(Views(state, list, repository.Time.GetUtcNow())));
    }

    private static async Task<IResult> CreateAsync(string customerIdOrKey, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.EntitlementCreateInputs);
        var entitlement = await service.CreateAsync(customerIdOrKey, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v2/customers/{customerIdOrKey}/entitlements/{entitlement.Id}", View(repository.Current, entitlement, repository.Time.GetUtcNow()));
    }

    private static Ok<EntitlementView> Get(string customerIdOrKey, string entitlementIdOrFeatureKey, BillingRepository repository)
    {
        var (state, entitlement, now) = Resolve(repository, customerIdOrKey, entitlementIdOrFeatureKey);
        return TypedResults.Ok(View(state, entitlement, now));
    }

    private static async Task<IResult> DeleteAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, EntitlementService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(customerIdOrKey, entitlementIdOrFeatureKey, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ValueAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, BillingRepository repository, EntitlementBalances balances)
    {
        var at = QueryValues.Time(request.Query, "time") ?? repository.Time.GetUtcNow();
        var state = repository.Current;
        var customer = EntitlementService.RequireCustomer(state, customerIdOrKey);
        var entitlement = EntitlementService.Require(state, customer, entitlementIdOrFeatureKey, at);
        return TypedResults.Ok(await balances.ValueAsync(state, entitlement, at, request.HttpContext.RequestAborted));
    }

    private static async Task<IResult> V1ValueAsync(string customerIdOrKey, string featureKey, HttpRequest request, BillingRepository repository, EntitlementBalances balances)
    {
        var at = QueryValues.Time(request.Query, "time") ?? repository.Time.GetUtcNow();
        var state = repository.Current;
        var customer = EntitlementService.RequireCustomer(state, customerIdOrKey);
        var entitlement = EntitlementService.Require(state, customer, featureKey, at);
        var value = await balances.ValueAsync(state, entitlement, at, request.HttpContext.RequestAborted);
        return TypedResults.Ok(value with { GrantBalances = null });
    }

    private static async Task<IResult> CustomerAccessAsync(string customerIdOrKey, HttpRequest request, BillingRepository repository, EntitlementBalances balances)
    {
        var state = repository.Current;
        var customer = EntitlementService.RequireCustomer(state, customerIdOrKey);
        return TypedResults.Ok(await balances.AccessAsync(state, customer, repository.Time.GetUtcNow(), request.HttpContext.RequestAborted));
    }

    private static Ok<PaginatedResponse<Grant>> ListGrants(string customerIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, BillingRepository repository)
    {
        var (state, entitlement, now) = Resolve(repository, customerIdOrKey, entitlementIdOrFeatureKey);
        var grants = OrderedGrants(request, EntitlementLookup.Of(state).Grants(entitlement.Id).Where(GrantDeleted(request)));
        return TypedResults.Ok(Paging.From(request).ToPage(grants.Select(g => GrantView(g, now)).ToList()));
    }

    private static async Task<IResult> CreateGrantAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.GrantCreateInput);
        var grant = await service.CreateGrantAsync(customerIdOrKey, entitlementIdOrFeatureKey, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v2/customers/{customerIdOrKey}/entitlements/{grant.EntitlementId}/grants", GrantView(grant, repository.Time.GetUtcNow()));
    }

    private static async Task<IResult> ResetAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, EntitlementService service)
    {
        var input = request.ContentLength is 0 ? new ResetEntitlementUsageInput() : await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.ResetEntitlementUsageInput);
        await service.ResetAsync(customerIdOrKey, entitlementIdOrFeatureKey, input, request.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> OverrideAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, EntitlementService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, EntitlementJson.Default.EntitlementCreateInputs);
        var entitlement = await service.OverrideAsync(customerIdOrKey, entitlementIdOrFeatureKey, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v2/customers/{customerIdOrKey}/entitlements/{entitlement.Id}", View(repository.Current, entitlement, repository.Time.GetUtcNow()));
    }

    internal static async Task<IResult> HistoryAsync(string customerIdOrKey, string entitlementIdOrFeatureKey, HttpRequest request, BillingRepository repository, EntitlementBalances balances)
    {
        var (state, entitlement, now) = Resolve(repository, customerIdOrKey, entitlementIdOrFeatureKey);
        if (entitlement.Type != Entitlement.Metered)
        {
            throw new BillingValidationException("entitlementIdOrFeatureKey", $"only metered entitlements have a balance history; entitlement {entitlement.Id} is {entitlement.Type}");
        }

        var query = request.Query;
        var size = QueryValues.OneOf(query, "windowSize", ["MINUTE", "HOUR", "DAY", "MONTH"]) switch
        {
            null => throw new BillingValidationException("windowSize", "is required: MINUTE, HOUR, DAY or MONTH"),
            "MINUTE" => WindowSize.Minute,
            "HOUR" => WindowSize.Hour,
            "DAY" => WindowSize.Day,
            _ => WindowSize.Month,
        };
        var zoneName = query["windowTimeZone"].ToString();
        TimeZoneInfo zone;
        try
        {
            zone = zoneName.Length == 0 ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new BillingValidationException("windowTimeZone", $"\"{zoneName}\" is not a known IANA time zone");
        }

        var from = QueryValues.Time(query, "from") ?? entitlement.LastResetAt(now);
        var to = QueryValues.Time(query, "to") ?? now;
        if (from >= to)
        {
            throw new BillingValidationException("from", "must be before to");
        }

        return TypedResults.Ok(await balances.HistoryAsync(state, entitlement, from, to, new TimeWindows(size, zone), request.HttpContext.RequestAborted));
    }

    private static Ok<PaginatedResponse<EntitlementView>> ListAll(HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var query = request.Query;
        var features = QueryValues.List(query, "feature");
        var customerIds = QueryValues.List(query, "customerIds");
        var customerKeys = QueryValues.List(query, "customerKeys");
        var types = QueryValues.List(query, "entitlementType");
        foreach (var type in types)
        {
            if (type is not (Entitlement.Metered or Entitlement.Static or Entitlement.Boolean))
            {
                throw new BillingValidationException("entitlementType", "must be metered, static or boolean");
            }
        }

        var list = state.All(Entitlement.Kind)
            .Where(Deleted(request))
            .Where(e => features.Count == 0 || features.Contains(e.FeatureKey) || features.Contains(e.FeatureId))
            .Where(e => types.Count == 0 || types.Contains(e.Type))
            .Where(e => customerIds.Count == 0 || customerIds.Contains(e.CustomerId))
            .Where(e => customerKeys.Count == 0 || (state.Find(Customer.Kind, e.CustomerId)?.Key is { } key && customerKeys.Contains(key)));
        return TypedResults.Ok(Paging.From(request).ToPage(Views(state, Ordered(request, list), repository.Time.GetUtcNow())));
    }

    private static Ok<EntitlementView> GetById(string entitlementId, BillingRepository repository)
    {
        var state = repository.Current;
        var entitlement = state.Find(Entitlement.Kind, entitlementId) ?? throw new BillingNotFoundException($"entitlement \"{entitlementId}\" not found");
        return TypedResults.Ok(View(state, entitlement, repository.Time.GetUtcNow()));
    }

    private static Ok<PaginatedResponse<Grant>> ListAllGrants(HttpRequest request, BillingRepository repository)
    {
        var state = repository.Current;
        var query = request.Query;
        var features = QueryValues.List(query, "feature");
        var customers = QueryValues.List(query, "customer").Select(c => CustomerLookup.Find(state, c)?.Id ?? c).ToHashSet(StringComparer.Ordinal);
        var grants = state.All(Grant.Kind)
            .Where(GrantDeleted(request))
            .Where(g => state.Find(Entitlement.Kind, g.EntitlementId) is { } e
                && (features.Count == 0 || features.Contains(e.FeatureKey) || features.Contains(e.FeatureId))
                && (customers.Count == 0 || customers.Contains(e.CustomerId)));
        var now = repository.Time.GetUtcNow();
        return TypedResults.Ok(Paging.From(request).ToPage(OrderedGrants(request, grants).Select(g => GrantView(g, now)).ToList()));
    }

    /// <summary>An entitlement as answered, with its current usage period at <paramref name="now"/>.</summary>
    public static EntitlementView View(BillingState state, Entitlement entitlement, DateTimeOffset now, string? subjectKey = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(entitlement);
        var metered = entitlement.Type == Entitlement.Metered;
        var period = entitlement.UsagePeriodAt(now);
        var lastReset = metered ? entitlement.LastResetAt(now) : (DateTimeOffset?)null;
        Period? current = null;
        if (period is not null)
        {
            var (from, to) = period.PeriodAt(now);
            current = new Period(lastReset is { } reset && reset > from ? reset : from, to);
        }

        return new EntitlementView
        {
            Type = entitlement.Type,
            Id = entitlement.Id,
            CustomerId = entitlement.CustomerId,
            CustomerKey = state.Find(Customer.Kind, entitlement.CustomerId)?.Key,
            SubjectKey = subjectKey,
            FeatureId = entitlement.FeatureId,
            FeatureKey = entitlement.FeatureKey,
            CreatedAt = entitlement.CreatedAt,
            UpdatedAt = entitlement.UpdatedAt,
            DeletedAt = entitlement.DeletedAt,
            ActiveFrom = entitlement.ActiveFrom,
            ActiveTo = entitlement.ActiveTo,
            Metadata = entitlement.Metadata,
            Annotations = entitlement.Annotations,
            Config = entitlement.Config,
            UsagePeriod = period,
            CurrentUsagePeriod = current,
            LastReset = lastReset,
            MeasureUsageFrom = entitlement.MeasureUsageFrom,
            IsSoftLimit = metered ? entitlement.IsSoftLimit : null,
            IsUnlimited = metered ? false : null,
            PreserveOverageAtReset = metered ? entitlement.PreserveOverageAtReset : null,
            IssueAfterReset = entitlement.Issue?.Amount,
            IssueAfterResetPriority = entitlement.Issue?.Priority,
            Issue = entitlement.Issue,
        };
    }

    /// <summary>A grant as answered: with its next top-up after <paramref name="now"/> when it recurs.</summary>
    public static Grant GrantView(Grant grant, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Recurrence is not { } recurrence)
        {
            return grant;
        }

        var after = now < grant.EffectiveAt ? grant.EffectiveAt : now;
        var next = recurrence.PeriodAt(after).To;
        return grant with { NextRecurrence = grant.ExpiresAt is { } expires && next >= expires ? null : next };
    }

    private static (BillingState State, Entitlement Entitlement, DateTimeOffset Now) Resolve(BillingRepository repository, string customerIdOrKey, string entitlementIdOrFeatureKey)
    {
        var state = repository.Current;
        var now = repository.Time.GetUtcNow();
        var customer = EntitlementService.RequireCustomer(state, customerIdOrKey);
        return (state, EntitlementService.Require(state, customer, entitlementIdOrFeatureKey, now), now);
    }

    private static List<EntitlementView> Views(BillingState state, IEnumerable<Entitlement> entitlements, DateTimeOffset now) =>
        [.. entitlements.Select(e => View(state, e, now))];

    private static Func<Entitlement, bool> Deleted(HttpRequest request) =>
        (QueryValues.Bool(request.Query, "includeDeleted") ?? false) ? _ => true : e => !e.IsDeleted;

    private static Func<Grant, bool> GrantDeleted(HttpRequest request) =>
        (QueryValues.Bool(request.Query, "includeDeleted") ?? false) ? _ => true : g => !g.IsDeleted;

    private static List<Entitlement> Ordered(HttpRequest request, IEnumerable<Entitlement> entitlements)
    {
        var descending = QueryValues.Descending(request.Query);
        return QueryValues.OneOf(request.Query, "orderBy", ["createdAt", "updatedAt"]) == "updatedAt"
            ? [.. QueryValues.Order(entitlements, e => e.UpdatedAt, descending)]
            : [.. QueryValues.Order(entitlements, e => e.CreatedAt, descending)];
    }

    private static IEnumerable<Grant> OrderedGrants(HttpRequest request, IEnumerable<Grant> grants)
    {
        var descending = QueryValues.Descending(request.Query);
        return QueryValues.OneOf(request.Query, "orderBy", ["id", "createdAt", "updatedAt"]) switch
        {
            "id" => QueryValues.Order(grants, g => g.Id, descending),
            "updatedAt" => QueryValues.Order(grants, g => g.UpdatedAt, descending),
            _ => QueryValues.Order(grants, g => g.CreatedAt, descending),
        };
    }
}
