using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Rendering;
using Tollgate.Billing.Storage;

namespace Tollgate.WebConsole.Endpoints;

/// <summary>
/// The printable invoice on the console's own listener: the admin API's document lives on another port (and behind the
/// admin token), which a browser signed in to the console cannot reach. Renders the same document the same way.
/// </summary>
public static class InvoiceDocumentEndpoint
{
    public static IEndpointRouteBuilder MapInvoiceDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metering/billing/invoices/{invoiceId}/document", async (string invoiceId, HttpContext http, InvoiceService service) =>
        {
            var state = service.Repository.Current;
            var invoice = InvoiceService.Find(state, invoiceId, BillingRepository.Truncate(service.Repository.Time.GetUtcNow()));
            if (invoice is null || invoice.IsDeleted)
            {
                return Results.NotFound();
            }

            var answered = await service.AnswerAsync(state, invoice, expandLines: true, http.RequestAborted);
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            return Results.Content(InvoiceDocument.Render(answered), InvoiceDocument.ContentType);
        });
        return endpoints;
    }
}
