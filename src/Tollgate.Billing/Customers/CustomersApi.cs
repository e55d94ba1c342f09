using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Customers;

/// <summary>OpenMeter's <c>/api/v1/customers</c>.</summary>
public static class CustomersApi
{
    private static readonly string[] Expands = ["subscriptions"];

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder routes)
    {
        var customers = routes.MapBillingGroup("/api/v1/customers").WithTags("Customers");
        customers.MapGet("/", List).WithName("listCustomers");
        customers.MapPost("/", CreateAsync).WithName("createCustomer");
        customers.MapGet("/{customerIdOrKey}", Get).WithName("getCustomer");
        customers.MapPut("/{customerIdOrKey}", ReplaceAsync).WithName("updateCustomer");
        customers.MapDelete("/{customerIdOrKey}", DeleteAsync).WithName("deleteCustomer");
        return routes;
    }

    private static Ok<PaginatedResponse<Customer>> List(HttpRequest request, BillingRepository repository)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var descending = QueryValues.Descending(query);
        // OpenMeter orders customers by name unless told otherwise.
        var orderBy = QueryValues.OneOf(query, "orderBy", ["id", "name", "createdAt"]) ?? "name";
        var expand = RequireExpands(query);
        var state = repository.Current;
        var now = BillingRepository.Truncate(repository.Time.GetUtcNow());
        var key = QueryValues.Text(query, "key");
        var name = QueryValues.Text(query, "name");
        var primaryEmail = QueryValues.Text(query, "primaryEmail");
        var subject = QueryValues.Text(query, "subject");

        IEnumerable<Customer> customers = state.All(Customer.Kind)
            .Where(c => includeDeleted || !c.IsDeleted)
            .Where(c => key is null || QueryValues.Matches(c.Key, key))
            .Where(c => name is null || QueryValues.Matches(c.Name, name))
            .Where(c => primaryEmail is null || QueryValues.Matches(c.PrimaryEmail, primaryEmail))
            .Where(c => subject is null || c.UsageAttribution.SubjectKeys.Exists(s => QueryValues.Matches(s, subject)));
        if (QueryValues.Text(query, "planKey") is { } planKey)
        {
            // planKey matches the plan of the subscription running for the customer now.
            customers = customers.Where(c => SubscriptionService.CurrentOf(state, c.Id, now)?.Plan?.Key == planKey);
        }

        customers = orderBy switch
        {
            "id" => QueryValues.Order(customers, c => c.Id, descending),
            "createdAt" => QueryValues.Order(customers, c => c.CreatedAt, descending),
            _ => QueryValues.Order(customers, c => c.Name, descending),
        };
        return TypedResults.Ok(paging.ToPage<Customer>([.. customers.Select(c => Answer(state, c, now, expand))]));
    }

    private static async Task<Created<Customer>> CreateAsync(HttpRequest request, CustomerService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, CustomerJson.Default.CustomerInputs);
        var customer = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/customers/{customer.Id}", Answer(repository, customer, expand: false));
    }

    private static Ok<Customer> Get(string customerIdOrKey, HttpRequest request, BillingRepository repository)
    {
        var expand = RequireExpands(request.Query);
        return CustomerLookup.FindIncludingDeleted(repository.Current, customerIdOrKey) is { } customer
            ? TypedResults.Ok(Answer(repository, customer, expand))
            : throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" not found");
    }

    private static async Task<Ok<Customer>> ReplaceAsync(string customerIdOrKey, HttpRequest request, CustomerService service, BillingRepository repository)
    {
        var input = await BillingEndpoints.ReadAsync(request, CustomerJson.Default.CustomerInputs);
        var customer = await service.ReplaceAsync(customerIdOrKey, input, request.HttpContext.RequestAborted);
        return TypedResults.Ok(Answer(repository, customer, expand: false));
    }

    private static Customer Answer(BillingRepository repository, Customer customer, bool expand) =>
        Answer(repository.Current, customer, BillingRepository.Truncate(repository.Time.GetUtcNow()), expand);

    /// <summary>The customer as answered: its running subscription's id and, with <c>expand=subscriptions</c>, its subscriptions.</summary>
    private static Customer Answer(BillingState state, Customer customer, DateTimeOffset now, bool expand) => customer with
    {
        CurrentSubscriptionId = SubscriptionService.CurrentOf(state, customer.Id, now)?.Id,
        Subscriptions = expand ? [.. SubscriptionService.OfCustomer(state, customer.Id).Select(s => s.AsOf(now))] : null,
    };

    private static async Task<NoContent> DeleteAsync(string customerIdOrKey, CustomerService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(customerIdOrKey, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary><c>expand</c> takes only <c>subscriptions</c>; true when it is asked for.</summary>
    private static bool RequireExpands(IQueryCollection query) => QueryValues.Expands(query, Expands).Count > 0;


}
