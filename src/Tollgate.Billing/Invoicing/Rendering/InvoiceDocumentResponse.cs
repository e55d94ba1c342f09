using Microsoft.AspNetCore.Http;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Invoicing.Rendering;

/// <summary>
/// An invoice as a printable HTML page (a gathering invoice as its preview), for the admin API and the console alike.
/// The page has no scripts and only inline styles, which the policy header enforces; only a final invoice may be cached.
/// </summary>
public static class InvoiceDocumentResponse
{
    /// <summary>The page of <paramref name="invoiceId"/>, or a <see cref="BillingNotFoundException"/>.</summary>
    public static async Task<IResult> AnswerAsync(string invoiceId, HttpContext http, InvoiceService service)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(service);
        var state = service.Repository.Current;
        var invoice = InvoiceService.Find(state, invoiceId, BillingRepository.Truncate(service.Repository.Time.GetUtcNow()))
            ?? throw new BillingNotFoundException($"invoice \"{invoiceId}\" not found");
        var answered = await service.AnswerAsync(state, invoice, expandLines: true, http.RequestAborted);
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        headers.XContentTypeOptions = "nosniff";
        if (!answered.StatusDetails!.Immutable)
        {
            headers.CacheControl = "no-store";
        }

        return TypedResults.Content(InvoiceDocument.Render(answered), InvoiceDocument.ContentType);
    }
}
