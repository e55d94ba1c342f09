using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Storage;

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
        RequireExpands(query);
        var key = Text(query, "key");
        var name = Text(query, "name");
        var primaryEmail = Text(query, "primaryEmail");
        var subject = Text(query, "subject");

        IEnumerable<Customer> customers = repository.Current.All(Customer.Kind)
            .Where(c => includeDeleted || !c.IsDeleted)
            .Where(c => key is null || Contains(c.Key, key))
            .Where(c => name is null || Contains(c.Name, name))
            .Where(c => primaryEmail is null || Contains(c.PrimaryEmail, primaryEmail))
            .Where(c => subject is null || c.UsageAttribution.SubjectKeys.Exists(s => Contains(s, subject)));
        if (Text(query, "planKey") is not null)
        {
            // planKey matches the plan of the customer's active subscription; until subscriptions exist in
            // Tollgate no customer has one, so the filter matches nobody (as OpenMeter answers for such customers).
            customers = [];
        }

        customers = orderBy switch
        {
            "id" => QueryValues.Order(customers, c => c.Id, descending),
            "createdAt" => QueryValues.Order(customers, c => c.CreatedAt, descending),
            _ => QueryValues.Order(customers, c => c.Name, descending),
        };
        return TypedResults.Ok(paging.ToPage(customers.ToList()));
    }

    private static async Task<Created<Customer>> CreateAsync(HttpRequest request, CustomerService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, CustomerJson.Default.CustomerInputs);
        var customer = await service.CreateAsync(input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/customers/{customer.Id}", customer);
    }

    private static Ok<Customer> Get(string customerIdOrKey, HttpRequest request, BillingRepository repository)
    {
        RequireExpands(request.Query);
        return CustomerLookup.FindIncludingDeleted(repository.Current, customerIdOrKey) is { } customer
            ? TypedResults.Ok(customer)
            : throw new BillingNotFoundException($"customer \"{customerIdOrKey}\" not found");
    }

    private static async Task<Ok<Customer>> ReplaceAsync(string customerIdOrKey, HttpRequest request, CustomerService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, CustomerJson.Default.CustomerInputs);
        return TypedResults.Ok(await service.ReplaceAsync(customerIdOrKey, input, request.HttpContext.RequestAborted));
    }

    private static async Task<NoContent> DeleteAsync(string customerIdOrKey, CustomerService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(customerIdOrKey, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>expand</c> takes only <c>subscriptions</c>; it is checked, and adds nothing yet because Tollgate has no
    /// subscriptions to expand (the subscriptions slice fills it in).
    /// </summary>
    private static void RequireExpands(IQueryCollection query)
    {
        foreach (var value in query["expand"])
        {
            foreach (var expand in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Array.IndexOf(Expands, expand) < 0)
                {
                    throw new BillingValidationException("expand", $"\"{expand}\" cannot be expanded; the only expand is: subscriptions");
                }
            }
        }
    }

    private static string? Text(IQueryCollection query, string name) => query[name].ToString() is { Length: > 0 } value ? value : null;

    /// <summary>OpenMeter's list filters: case-insensitive partial match.</summary>
    private static bool Contains(string? value, string part) => value is not null && value.Contains(part, StringComparison.OrdinalIgnoreCase);
}
