using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Profiles;

/// <summary>OpenMeter's <c>/api/v1/billing/customers</c>: customer overrides, answered merged with their profile.</summary>
public static class CustomerOverridesApi
{
    private static readonly string[] AllowedExpands = ["apps", "customer"];

    public static IEndpointRouteBuilder MapCustomerOverridesApi(this IEndpointRouteBuilder routes)
    {
        var overrides = routes.MapBillingGroup("/api/v1/billing/customers").WithTags("Billing");
        overrides.MapGet("/", List).WithName("listBillingProfileCustomerOverrides");
        overrides.MapGet("/{customerId}", Get).WithName("getBillingProfileCustomerOverride");
        overrides.MapPut("/{customerId}", UpsertAsync).WithName("upsertBillingProfileCustomerOverride");
        overrides.MapDelete("/{customerId}", DeleteAsync).WithName("deleteBillingProfileCustomerOverride");
        return routes;
    }

    private static IResult List(HttpRequest request, BillingRepository repository)
    {
        var query = request.Query;
        var paging = Paging.From(request);
        var expands = QueryValues.Expands(query, AllowedExpands);
        var withoutPinned = QueryValues.Bool(query, "customersWithoutPinnedProfile") ?? false;
        // Listing only the customers without a pinned profile means listing customers without an override too.
        var includeAll = withoutPinned || (QueryValues.Bool(query, "includeAllCustomers") ?? true);
        var profiles = QueryValues.List(query, "billingProfile");
        var customerIds = QueryValues.List(query, "customerId");
        var name = QueryValues.Text(query, "customerName");
        var key = QueryValues.Text(query, "customerKey");
        var email = QueryValues.Text(query, "customerPrimaryEmail");
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["customerId", "customerName", "customerKey", "customerPrimaryEmail", "customerCreatedAt"]) ?? "customerId";
        var state = repository.Current;

        var customers = state.All(Customer.Kind)
            .Where(c => !c.IsDeleted)
            .Where(c => includeAll || BillingProfiles.OverrideOf(state, c.Id) is not null)
            .Where(c => !withoutPinned || BillingProfiles.OverrideOf(state, c.Id)?.BillingProfileId is null)
            .Where(c => customerIds.Count == 0 || customerIds.Contains(c.Id))
            .Where(c => name is null || QueryValues.Matches(c.Name, name))
            .Where(c => key is null || QueryValues.Matches(c.Key, key))
            .Where(c => email is null || QueryValues.Matches(c.PrimaryEmail, email))
            .Where(c => profiles.Count == 0 || (BillingProfiles.BaseProfileOf(state, c.Id) is { } profile && profiles.Contains(profile.Id)));
        var ordered = orderBy switch
        {
            "customerName" => QueryValues.Order(customers, c => c.Name, descending),
            "customerKey" => QueryValues.Order(customers, c => c.Key ?? "", descending),
            "customerPrimaryEmail" => QueryValues.Order(customers, c => c.PrimaryEmail ?? "", descending),
            "customerCreatedAt" => QueryValues.Order(customers, c => c.CreatedAt, descending),
            _ => QueryValues.Order(customers, c => c.Id, descending),
        };
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var expandCustomer = expands.Contains("customer");
        return expands.Contains("apps")
            ? TypedResults.Ok(paging.ToPage<CustomerOverrideDetails<BillingProfileApps>>([.. ordered.Select(c => Details(state, c, now, expandCustomer, BillingProfileApps.Of))]))
            : TypedResults.Ok(paging.ToPage<CustomerOverrideDetails<BillingProfileAppReferences>>([.. ordered.Select(c => Details(state, c, now, expandCustomer, static (_, apps) => apps))]));
    }

    private static IResult Get(string customerId, HttpRequest request, BillingRepository repository)
    {
        var expands = QueryValues.Expands(request.Query, AllowedExpands);
        var state = repository.Current;
        var customer = CustomerLookup.Find(state, customerId) ?? throw BillingProfileService.CustomerNotFound(customerId);
        return Answer(repository, state, customer, expands);
    }

    private static async Task<IResult> UpsertAsync(string customerId, HttpRequest request, BillingProfileService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, ProfileJson.Default.CustomerOverrideInputs);
        var stored = await service.UpsertOverrideAsync(customerId, input, request.HttpContext.RequestAborted);
        var state = repository.Current;
        var customer = state.Find(Customer.Kind, stored.CustomerId) ?? throw BillingProfileService.CustomerNotFound(customerId);
        return Answer(repository, state, customer, []);
    }

    private static async Task<IResult> DeleteAsync(string customerId, BillingProfileService service, CancellationToken cancellationToken)
    {
        await service.DeleteOverrideAsync(customerId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static IResult Answer(BillingRepository repository, BillingState state, Customer customer, HashSet<string> expands)
    {
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var expandCustomer = expands.Contains("customer");
        return expands.Contains("apps")
            ? TypedResults.Ok(Details(state, customer, now, expandCustomer, BillingProfileApps.Of))
            : TypedResults.Ok(Details(state, customer, now, expandCustomer, static (_, apps) => apps));
    }

    private static CustomerOverrideDetails<TApps> Details<TApps>(BillingState state, Customer customer, DateTimeOffset now, bool expandCustomer, Func<BillingState, BillingProfileAppReferences, TApps> apps)
    {
        var profile = BillingProfiles.BaseProfileOf(state, customer.Id)
            ?? throw new BillingNotFoundException("there is no default billing profile; create one first");
        var customerOverride = BillingProfiles.OverrideOf(state, customer.Id);
        var workflow = customerOverride?.Workflow is { } overrides ? overrides.ApplyTo(profile.Workflow) : profile.Workflow;
        return new CustomerOverrideDetails<TApps>
        {
            CustomerOverride = customerOverride,
            BaseBillingProfileId = profile.Id,
            CustomerProfile = new BillingCustomerProfile<TApps>(profile.Supplier, workflow, apps(state, profile.Apps)),
            Customer = expandCustomer
                ? JsonSerializer.SerializeToElement(customer with { CurrentSubscriptionId = SubscriptionService.CurrentOf(state, customer.Id, now)?.Id }, CustomerJson.Default.Customer)
                : null,
        };
    }


}
