using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Api;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Rendering;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Invoices;

/// <summary>OpenMeter's invoice endpoints: <c>/api/v1/billing/invoices</c>, the customer's pending lines and simulation, and custom invoicing's hooks.</summary>
public static class InvoicesApi
{
    private static readonly string[] Expands = ["lines", "preceding", "workflow.apps"];

    public static IEndpointRouteBuilder MapInvoicesApi(this IEndpointRouteBuilder routes)
    {
        var invoices = routes.MapBillingGroup("/api/v1/billing/invoices").WithTags("Invoices");
        invoices.MapGet("/", ListAsync).WithName("listInvoices");
        invoices.MapPost("/invoice", InvoiceNowAsync).WithName("invoicePendingLinesAction");
        invoices.MapGet("/{invoiceId}", GetAsync).WithName("getInvoice");
        invoices.MapDelete("/{invoiceId}", DeleteAsync).WithName("deleteInvoice");
        invoices.MapGet("/{invoiceId}/document", (string invoiceId, HttpRequest request, InvoiceService service) =>
            InvoiceDocumentResponse.AnswerAsync(invoiceId, request.HttpContext, service)).WithName("getInvoiceDocument");
        invoices.MapPost("/{invoiceId}/advance", (string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle, InvoiceService service) =>
            ActAsync(lifecycle.AdvanceAsync(invoiceId, request.HttpContext.RequestAborted), service, request)).WithName("advanceInvoiceAction");
        invoices.MapPost("/{invoiceId}/approve", (string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle, InvoiceService service) =>
            ActAsync(lifecycle.ApproveAsync(invoiceId, request.HttpContext.RequestAborted), service, request)).WithName("approveInvoiceAction");
        invoices.MapPost("/{invoiceId}/retry", (string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle, InvoiceService service) =>
            ActAsync(lifecycle.RetryAsync(invoiceId, request.HttpContext.RequestAborted), service, request)).WithName("retryInvoiceAction");
        invoices.MapPost("/{invoiceId}/void", (string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle, InvoiceService service) =>
            ActAsync(lifecycle.VoidAsync(invoiceId, request.HttpContext.RequestAborted), service, request)).WithName("voidInvoiceAction");
        invoices.MapPost("/{invoiceId}/snapshot-quantities", (string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle, InvoiceService service) =>
            ActAsync(lifecycle.SnapshotQuantitiesAsync(invoiceId, request.HttpContext.RequestAborted), service, request)).WithName("snapshotQuantitiesInvoiceAction");
        invoices.MapPost("/{invoiceId}/taxes/recalculate", RecalculateTaxesAsync).WithName("recalculateInvoiceTaxAction");

        var customers = routes.MapBillingGroup("/api/v1/billing/customers/{customerId}/invoices").WithTags("Invoices");
        customers.MapPost("/pending-lines", PendingLinesAsync).WithName("createPendingInvoiceLine");
        customers.MapPost("/simulate", SimulateAsync).WithName("simulateInvoice");

        var hooks = routes.MapBillingGroup("/api/v1/apps/custom-invoicing/{invoiceId}").WithTags("Apps");
        hooks.MapPost("/draft/synchronized", DraftSynchronizedAsync).WithName("appCustomInvoicingDraftSynchronized");
        hooks.MapPost("/issuing/synchronized", IssuingSynchronizedAsync).WithName("appCustomInvoicingIssuingSynchronized");
        hooks.MapPost("/payment/status", PaymentStatusAsync).WithName("appCustomInvoicingUpdatePaymentStatus");
        return routes;
    }

    private static async Task<Ok<PaginatedResponse<Invoice>>> ListAsync(HttpRequest request, InvoiceService service)
    {
        var paging = Paging.From(request);
        var query = request.Query;
        var expandLines = QueryValues.Expands(query, Expands).Contains("lines");
        var includeDeleted = QueryValues.Bool(query, "includeDeleted") ?? false;
        var descending = QueryValues.Descending(query);
        var orderBy = QueryValues.OneOf(query, "orderBy", ["customer.name", "issuedAt", "status", "createdAt", "updatedAt", "periodStart"]) ?? "createdAt";
        var statuses = NullIfEmpty(QueryValues.List(query, "statuses"));
        var extended = NullIfEmpty(QueryValues.List(query, "extendedStatuses"));
        var customers = NullIfEmpty(QueryValues.List(query, "customers"));
        var issuedAfter = QueryValues.Time(query, "issuedAfter");
        var issuedBefore = QueryValues.Time(query, "issuedBefore");
        var periodStartAfter = QueryValues.Time(query, "periodStartAfter");
        var periodStartBefore = QueryValues.Time(query, "periodStartBefore");
        var createdAfter = QueryValues.Time(query, "createdAfter");
        var createdBefore = QueryValues.Time(query, "createdBefore");

        var state = service.Repository.Current;
        var now = BillingRepository.Truncate(service.Repository.Time.GetUtcNow());
        var owners = customers is null
            ? state.All(Customer.Kind).Where(c => includeDeleted || !c.IsDeleted)
            : customers.Select(id => state.Find(Customer.Kind, id)).OfType<Customer>();
        var all = new List<Invoice>();
        foreach (var customer in owners)
        {
            all.AddRange(InvoiceService.OfCustomer(state, customer, now));
            if (includeDeleted)
            {
                all.AddRange(state.All(Invoice.Kind).Where(i => i.IsDeleted && i.CustomerId == customer.Id));
            }
        }

        // A gathering invoice's period is that of its lines now, which takes a preview (meter queries) to know. Only a
        // filter or order on the period needs every invoice previewed; otherwise just the page asked for is.
        var byPeriod = periodStartAfter is not null || periodStartBefore is not null || orderBy == "periodStart";
        var candidates = new List<Invoice>(all.Count);
        foreach (var invoice in all)
        {
            candidates.Add(byPeriod ? await service.AnswerAsync(state, invoice, expandLines, request.HttpContext.RequestAborted) : invoice);
        }

        IEnumerable<Invoice> invoices = candidates
            .Where(i => statuses is null || statuses.Contains(Name(i.Status)))
            .Where(i => extended is null || extended.Contains((i.StatusDetails ?? InvoiceSteps.Details(i)).ExtendedStatus))
            .Where(i => issuedAfter is null || i.IssuedAt >= issuedAfter)
            .Where(i => issuedBefore is null || i.IssuedAt <= issuedBefore)
            .Where(i => periodStartAfter is null || i.Period?.From >= periodStartAfter)
            .Where(i => periodStartBefore is null || i.Period?.From <= periodStartBefore)
            .Where(i => createdAfter is null || i.CreatedAt >= createdAfter)
            .Where(i => createdBefore is null || i.CreatedAt <= createdBefore);
        invoices = orderBy switch
        {
            "customer.name" => QueryValues.Order(invoices, i => i.Customer.Name ?? "", descending),
            "issuedAt" => QueryValues.Order(invoices, i => i.IssuedAt ?? DateTimeOffset.MaxValue, descending),
            "status" => QueryValues.Order(invoices, i => Name(i.Status), descending),
            "updatedAt" => QueryValues.Order(invoices, i => i.UpdatedAt, descending),
            "periodStart" => QueryValues.Order(invoices, i => i.Period?.From ?? DateTimeOffset.MaxValue, descending),
            _ => QueryValues.Order(invoices, i => i.CreatedAt, descending),
        };
        var page = paging.ToPage<Invoice>([.. invoices]);
        if (byPeriod)
        {
            return TypedResults.Ok(page);
        }

        var answered = new List<Invoice>(page.Items.Count);
        foreach (var invoice in page.Items)
        {
            answered.Add(await service.AnswerAsync(state, invoice, expandLines, request.HttpContext.RequestAborted));
        }

        return TypedResults.Ok(page with { Items = answered });
    }

    private static async Task<Ok<Invoice>> GetAsync(string invoiceId, HttpRequest request, InvoiceService service)
    {
        // OpenMeter's getInvoice defaults expand to [lines]: an invoice read on its own comes with its lines.
        var expands = QueryValues.Expands(request.Query, Expands);
        var expandLines = expands.Count == 0 || expands.Contains("lines");
        var state = service.Repository.Current;
        var invoice = InvoiceService.Find(state, invoiceId, BillingRepository.Truncate(service.Repository.Time.GetUtcNow()))
            ?? throw new BillingNotFoundException($"invoice \"{invoiceId}\" not found");
        return TypedResults.Ok(await service.AnswerAsync(state, invoice, expandLines, request.HttpContext.RequestAborted));
    }

    private static async Task<Created<List<Invoice>>> InvoiceNowAsync(HttpRequest request, InvoiceLifecycle lifecycle, InvoiceService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, InvoiceJson.Default.InvoiceNowInput);
        var invoices = await lifecycle.InvoiceNowAsync(input, request.HttpContext.RequestAborted);
        var state = service.Repository.Current;
        var answered = new List<Invoice>(invoices.Count);
        foreach (var invoice in invoices)
        {
            answered.Add(await service.AnswerAsync(state, invoice, expandLines: true, request.HttpContext.RequestAborted));
        }

        return TypedResults.Created("/api/v1/billing/invoices", answered);
    }

    private static async Task<NoContent> DeleteAsync(string invoiceId, InvoiceLifecycle lifecycle, CancellationToken cancellationToken)
    {
        await lifecycle.DeleteAsync(invoiceId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Invoice>> RecalculateTaxesAsync(string invoiceId, HttpRequest request, InvoiceService service)
    {
        // Tollgate's apps calculate no tax, so a recalculation leaves the invoice as it is; it must still be a draft.
        var state = service.Repository.Current;
        var invoice = state.Find(Invoice.Kind, invoiceId) is { IsDeleted: false } found ? found : throw new BillingNotFoundException($"invoice \"{invoiceId}\" not found");
        if (invoice.Status != InvoiceStatus.Draft)
        {
            throw new BillingValidationException("status", $"the invoice is {invoice.ExtendedStatus}; taxes can be recalculated only on a draft");
        }

        return TypedResults.Ok(await service.AnswerAsync(state, invoice, expandLines: true, request.HttpContext.RequestAborted));
    }

    private static async Task<Created<PendingLinesResult>> PendingLinesAsync(string customerId, HttpRequest request, InvoiceService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, InvoiceJson.Default.PendingLinesInput);
        var result = await service.AddPendingLinesAsync(customerId, input, request.HttpContext.RequestAborted);
        return TypedResults.Created($"/api/v1/billing/invoices/{result.Invoice.Id}", result);
    }

    private static async Task<Ok<Invoice>> SimulateAsync(string customerId, HttpRequest request, InvoiceService service)
    {
        var input = await BillingEndpoints.ReadAsync(request, InvoiceJson.Default.SimulationInput);
        return TypedResults.Ok(service.Simulate(customerId, input));
    }

    private static async Task<NoContent> DraftSynchronizedAsync(string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle)
    {
        var input = await ReadOptionalAsync(request, InvoiceJson.Default.DraftSynchronizedInput) ?? new DraftSynchronizedInput();
        await lifecycle.DraftSynchronizedAsync(invoiceId, input, request.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> IssuingSynchronizedAsync(string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle)
    {
        var input = await ReadOptionalAsync(request, InvoiceJson.Default.IssuingSynchronizedInput) ?? new IssuingSynchronizedInput();
        await lifecycle.IssuingSynchronizedAsync(invoiceId, input, request.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> PaymentStatusAsync(string invoiceId, HttpRequest request, InvoiceLifecycle lifecycle)
    {
        var input = await BillingEndpoints.ReadAsync(request, InvoiceJson.Default.PaymentStatusInput);
        await lifecycle.PaymentStatusAsync(invoiceId, input.Trigger, request.HttpContext.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Invoice>> ActAsync(Task<Invoice> action, InvoiceService service, HttpRequest request)
    {
        var invoice = await action;
        return TypedResults.Ok(await service.AnswerAsync(service.Repository.Current, invoice, expandLines: true, request.HttpContext.RequestAborted));
    }

    /// <summary>A body that may be left out entirely (the hooks' bodies are all optional).</summary>
    private static async Task<T?> ReadOptionalAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class =>
        request.ContentLength is 0 || (request.ContentLength is null && !request.HasJsonContentType()) ? null : await BillingEndpoints.ReadAsync(request, type);

    private static HashSet<string>? NullIfEmpty(HashSet<string> values) => values.Count == 0 ? null : values;

    private static string Name(InvoiceStatus status) => status switch
    {
        InvoiceStatus.Gathering => "gathering",
        InvoiceStatus.Draft => "draft",
        InvoiceStatus.Issuing => "issuing",
        InvoiceStatus.Issued => "issued",
        InvoiceStatus.PaymentProcessing => "payment_processing",
        InvoiceStatus.Overdue => "overdue",
        InvoiceStatus.Paid => "paid",
        InvoiceStatus.Uncollectible => "uncollectible",
        _ => "voided",
    };
}
