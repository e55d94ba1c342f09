using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Subscriptions;

/// <summary>OpenMeter's <c>/api/v1/subscriptions</c> and <c>/api/v1/customers/{customerIdOrKey}/subscriptions</c>.</summary>
public static class SubscriptionsApi
{
    private static readonly string[] Statuses = ["active", "inactive", "canceled", "scheduled"];

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder routes)
    {
        var subscriptions = routes.MapBillingGroup("/api/v1/subscriptions").WithTags("Subscriptions");
        subscriptions.MapPost("/", CreateAsync).WithName("createSubscription");
        subscriptions.MapGet("/{subscriptionId}", Get).WithName("getSubscription");
        subscriptions.MapPatch("/{subscriptionId}", EditAsync).WithName("editSubscription");
        subscriptions.MapDelete("/{subscriptionId}", DeleteAsync).WithName("deleteSubscription");
        subscriptions.MapPost("/{subscriptionId}/cancel", CancelAsync).WithName("cancelSubscription");
        subscriptions.MapPost("/{subscriptionId}/unschedule-cancelation", UnscheduleCancelationAsync).WithName("unscheduleCancelation");
        subscriptions.MapPost("/{subscriptionId}/change", ChangeAsync).WithName("changeSubscription");
        subscriptions.MapPost("/{subscriptionId}/migrate", MigrateAsync).WithName("migrateSubscription");

        var customers = routes.MapBillingGroup("/api/v1/customers").WithTags("Subscriptions");
        customers.MapGet("/{customerIdOrKey}/subscriptions", ListOfCustomer).WithName("listCustomerSubscriptions");
        return routes;
    }

    private static async Task<Created<Subscription>> CreateAsync(HttpRequest request, SubscriptionService service)
    {
        var input = await CatalogRequests.ReadAsync(request, SubscriptionJson.Default.SubscriptionCreate);
        var subscription = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/subscriptions/{subscription.Id}", subscription);
    }

    private static Ok<Subscription> Get(string subscriptionId, HttpRequest request, BillingRepository repository)
    {
        var at = BillingRepository.Truncate(QueryValues.Time(request.Query, "at") ?? repository.Time.GetUtcNow());
        var state = repository.Current;
        return TypedResults.Ok(SubscriptionService.Expanded(state, SubscriptionService.RequireLive(state, subscriptionId), at));
    }

    private static async Task<Ok<Subscription>> EditAsync(string subscriptionId, HttpRequest request, SubscriptionService service)
    {
        var input = await CatalogRequests.ReadAsync(request, SubscriptionJson.Default.SubscriptionEdit);
        return TypedResults.Ok(await service.EditAsync(subscriptionId, input, request.HttpContext.RequestAborted));
    }

    private static async Task<NoContent> DeleteAsync(string subscriptionId, SubscriptionService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(subscriptionId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Subscription>> CancelAsync(string subscriptionId, HttpRequest request, SubscriptionService service)
    {
        // The body is optional in practice (OpenMeter's clients send {} or nothing for an immediate cancel).
        var input = request.ContentLength is 0 || (request.ContentLength is null && !request.HasJsonContentType())
            ? new SubscriptionCancel()
            : await BillingEndpoints.ReadAsync(request, SubscriptionJson.Default.SubscriptionCancel);
        return TypedResults.Ok(await service.CancelAsync(subscriptionId, input.Timing, request.HttpContext.RequestAborted));
    }

    private static async Task<Ok<Subscription>> UnscheduleCancelationAsync(string subscriptionId, SubscriptionService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.UnscheduleCancelationAsync(subscriptionId, cancellationToken));

    private static async Task<Ok<SubscriptionChangeResponse>> ChangeAsync(string subscriptionId, HttpRequest request, SubscriptionService service)
    {
        var input = await CatalogRequests.ReadAsync(request, SubscriptionJson.Default.SubscriptionChange);
        return TypedResults.Ok(await service.ChangeAsync(subscriptionId, input, request.HttpContext.RequestAborted));
    }

    private static async Task<Ok<SubscriptionChangeResponse>> MigrateAsync(string subscriptionId, HttpRequest request, SubscriptionService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, SubscriptionJson.Default.SubscriptionMigrate);
        return TypedResults.Ok(await service.MigrateAsync(subscriptionId, input, request.HttpContext.RequestAborted));
    }

    private static Ok<PaginatedResponse<Subscription>> ListOfCustomer(string customerIdOrKey, HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var state = repository.Current;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var customer = CustomerLookup.FindIncludingDeleted(state, customerIdOrKey)
            ?? throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" not found");
        var statuses = query["status"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(s => Array.IndexOf(Statuses, s) >= 0 ? Enum.Parse<SubscriptionStatus>(s, ignoreCase: true)
                : throw new BillingValidationException("status", $"\"{s}\" is not a status: {string.Join(", ", Statuses)}"))
            .ToHashSet();
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["activeFrom", "activeTo"]) ?? "activeFrom";
        var subscriptions = SubscriptionService.OfCustomer(state, customer.Id)
            .Where(s => statuses.Count == 0 || statuses.Contains(s.StatusAt(now)));
        // An open end sorts after every date, as "never" does.
        var ordered = orderBy == "activeTo"
            ? QueryValues.Order(subscriptions, s => s.ActiveTo ?? DateTimeOffset.MaxValue, descending)
            : QueryValues.Order(subscriptions, s => s.ActiveFrom, descending);
        return TypedResults.Ok(paging.ToPage<Subscription>([.. ordered.Select(s => s.AsOf(now))]));
    }
}
