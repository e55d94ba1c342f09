using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Billing;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Rendering;

namespace Tollgate.WebConsole.Endpoints;

/// <summary>
/// The printable invoice on the console's own listener: the admin API's document lives on another port (and behind the
/// admin token), which a browser signed in to the console cannot reach. Answers the same page the same way.
/// </summary>
public static class InvoiceDocumentEndpoint
{
    public static IEndpointRouteBuilder MapInvoiceDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metering/billing/invoices/{invoiceId}/document", async (string invoiceId, HttpContext http, InvoiceService service) =>
        {
            try
            {
                return await InvoiceDocumentResponse.AnswerAsync(invoiceId, http, service);
            }
            catch (BillingNotFoundException)
            {
                return Results.NotFound();
            }
        });
        return endpoints;
    }
}
