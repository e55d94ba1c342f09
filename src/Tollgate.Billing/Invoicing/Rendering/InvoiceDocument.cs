using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Profiles;
using Tollgate.Billing.Subscriptions;

namespace Tollgate.Billing.Invoicing.Rendering;

/// <summary>
/// An invoice as a person reads it: one self-contained HTML5 page (inline CSS, no scripts, fonts or other assets) with
/// the supplier, the customer, the dates, every line with its detailed lines and discounts, and the totals; a browser
/// prints it to a clean A4 PDF.
/// </summary>
public static class InvoiceDocument
{
    /// <summary>The media type to answer the document with.</summary>
    public const string ContentType = "text/html; charset=utf-8";

    private const int Columns = 5;

    // Encodes only what HTML gives a meaning to (and what is unsafe in any context), leaving letters of every script as
    // they are: the page is UTF-8, so "Müller GmbH" stays readable in the source too.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>
    /// The complete HTML document of <paramref name="invoice"/>, from its own data alone (pure: no clock, no culture).
    /// Every text taken from the invoice is HTML-encoded. The lines shown are <see cref="Invoice.Lines"/>, so pass the
    /// invoice with its lines (as answered with <c>expand=lines</c>); deleted lines are left out.
    /// </summary>
    /// <exception cref="ArgumentException">The invoice's currency is not an ISO 4217 code.</exception>
    public static string Render(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        if (!Currencies.TryGet(invoice.Currency, out var currency))
        {
            throw new ArgumentException($"The invoice's currency \"{invoice.Currency}\" is not an ISO 4217 currency code.", nameof(invoice));
        }

        var html = new StringBuilder(8192);
        var status = StatusBanner.Label(invoice.Status);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Invoice ").Append(Encode(invoice.Number)).Append(" (").Append(status).Append(")</title>\n")
            .Append("<style>\n").Append(DocumentStyles.Css).Append("\n</style>\n</head>\n<body>\n<main>\n");

        AppendHeader(html, invoice, status, currency);
        AppendParties(html, invoice);
        AppendValidationIssues(html, invoice);
        AppendLines(html, invoice, currency);
        AppendTotals(html, invoice.Totals, currency);

        html.Append("<footer><p>Invoice ID ").Append(Encode(invoice.Id)).Append("</p></footer>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendHeader(StringBuilder html, Invoice invoice, string status, Currency currency)
    {
        html.Append("<header>\n");
        if (StatusBanner.For(invoice) is { } banner)
        {
            html.Append("<div class=\"banner banner-").Append(banner.CssClass).Append("\" role=\"note\"><strong>").Append(banner.Headline)
                .Append("</strong><p>").Append(banner.Explanation).Append("</p></div>\n");
        }

        html.Append("<h1>Invoice ").Append(Encode(invoice.Number)).Append("</h1>\n")
            .Append("<p class=\"status\">Status: <strong>").Append(status).Append("</strong></p>\n");
        if (!string.IsNullOrWhiteSpace(invoice.Description))
        {
            html.Append("<p class=\"description\">").Append(Encode(invoice.Description)).Append("</p>\n");
        }

        html.Append("<dl class=\"facts\">\n");
        Fact(html, "Invoice number", Encode(invoice.Number));
        Fact(html, "Issue date", invoice.IssuedAt is { } issued ? Time(issued) : "Not issued yet");
        Fact(html, "Due date", invoice.DueAt is { } due ? Time(due) : "—");
        Fact(html, "Service period", invoice.Period is { } period ? Period(period) : "—");
        Fact(html, "Currency", currency.Code);
        html.Append("</dl>\n</header>\n");
    }

    private static void Fact(StringBuilder html, string term, string encodedValue) =>
        html.Append("<dt>").Append(term).Append("</dt><dd>").Append(encodedValue).Append("</dd>\n");

    private static void AppendParties(StringBuilder html, Invoice invoice)
    {
        html.Append("<div class=\"parties\">\n");

        var supplier = invoice.Supplier;
        html.Append("<section class=\"party supplier\" aria-labelledby=\"supplier-heading\">\n<h2 id=\"supplier-heading\">From</h2>\n");
        Party(html, supplier.Name, key: null, supplier.TaxId, supplier.Addresses);
        html.Append("</section>\n");

        var customer = invoice.Customer;
        html.Append("<section class=\"party customer\" aria-labelledby=\"customer-heading\">\n<h2 id=\"customer-heading\">Bill to</h2>\n");
        Party(html, customer.Name, customer.Key, customer.TaxId, customer.Addresses);
        html.Append("</section>\n</div>\n");
    }

    private static void Party(StringBuilder html, string? name, string? key, BillingPartyTaxIdentity? taxId, IReadOnlyList<Address>? addresses)
    {
        html.Append("<p class=\"name\">").Append(string.IsNullOrWhiteSpace(name) ? "—" : Encode(name)).Append("</p>\n");
        if (!string.IsNullOrWhiteSpace(key))
        {
            html.Append("<p class=\"key\">Customer key: ").Append(Encode(key)).Append("</p>\n");
        }

        if (!string.IsNullOrWhiteSpace(taxId?.Code))
        {
            html.Append("<p class=\"tax-id\">Tax ID: ").Append(Encode(taxId.Code)).Append("</p>\n");
        }

        // OpenMeter allows one address per party; should more come, the first is the billing address.
        if (addresses is [var address, ..] && AddressLines(address) is { Count: > 0 } lines)
        {
            html.Append("<address>").AppendJoin("<br>", lines).Append("</address>\n");
        }
    }

    private static List<string> AddressLines(Address address)
    {
        var lines = new List<string>(6);
        AddIfAny(lines, address.Line1);
        AddIfAny(lines, address.Line2);
        AddIfAny(lines, string.Join(' ', new[] { address.PostalCode, address.City }.Where(p => !string.IsNullOrWhiteSpace(p))));
        AddIfAny(lines, address.State);
        AddIfAny(lines, address.Country);
        if (!string.IsNullOrWhiteSpace(address.PhoneNumber))
        {
            lines.Add("Phone: " + Encode(address.PhoneNumber));
        }

        return lines;

        static void AddIfAny(List<string> lines, string? part)
        {
            if (!string.IsNullOrWhiteSpace(part))
            {
                lines.Add(Encode(part));
            }
        }
    }

    // A draft's issues tell the reader why it cannot be issued yet; an issued invoice's page is the customer's, so its
    // (already resolved or irrelevant) issues stay in the API.
    private static void AppendValidationIssues(StringBuilder html, Invoice invoice)
    {
        if (invoice.Status is not (InvoiceStatus.Gathering or InvoiceStatus.Draft or InvoiceStatus.Issuing) || invoice.ValidationIssues is not { Count: > 0 } issues)
        {
            return;
        }

        html.Append("<section class=\"issues\" aria-labelledby=\"issues-heading\">\n<h2 id=\"issues-heading\">To resolve before issuing</h2>\n<ul>\n");
        foreach (var issue in issues)
        {
            html.Append("<li>").Append(Encode(issue.Severity)).Append(": ").Append(Encode(issue.Message));
            if (!string.IsNullOrWhiteSpace(issue.Field))
            {
                html.Append(" (").Append(Encode(issue.Field)).Append(')');
            }

            html.Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
    }

    private static void AppendLines(StringBuilder html, Invoice invoice, Currency currency)
    {
        // A scrollable region keeps the table whole on a phone instead of squeezing it; focusable so keyboards can scroll it.
        html.Append("<div class=\"table-scroll\" role=\"region\" aria-labelledby=\"lines-caption\" tabindex=\"0\">\n")
            .Append("<table class=\"lines\">\n<caption id=\"lines-caption\">Charges</caption>\n<thead><tr>")
            .Append("<th scope=\"col\">Description</th><th scope=\"col\">Service period</th><th scope=\"col\" class=\"num\">Quantity</th>")
            .Append("<th scope=\"col\" class=\"num\">Unit price</th><th scope=\"col\" class=\"num\">Amount</th></tr></thead>\n");

        var any = false;
        foreach (var line in invoice.Lines ?? [])
        {
            if (line.DeletedAt is null)
            {
                any = true;
                AppendLine(html, line, currency);
            }
        }

        if (!any)
        {
            html.Append("<tbody><tr class=\"empty\"><td colspan=\"").Append(Columns).Append("\">No charges</td></tr></tbody>\n");
        }

        html.Append("</table>\n</div>\n");
    }

    // One <tbody> per line keeps it with its detailed lines and discounts, so print does not split them across pages.
    private static void AppendLine(StringBuilder html, InvoiceLine line, Currency currency)
    {
        html.Append("<tbody>\n");
        Row(
            html,
            "line",
            Encode(line.Name),
            line.Description,
            Period(line.Period),
            line.Quantity is { } quantity ? DocumentFormat.Quantity(quantity) : "",
            UnitPriceOf(line.RateCard?.Price ?? line.Price, currency),
            DocumentFormat.Money(line.Totals.Amount, currency));

        foreach (var usage in line.Discounts?.Usage ?? [])
        {
            var text = Encode(usage.Description ?? ReasonLabel(usage.Reason)) + ": " + DocumentFormat.Quantity(usage.Quantity) + " not billed";
            Row(html, "note", text, null, "", "", "", "");
        }

        var childDiscounts = 0m;
        foreach (var child in line.Children)
        {
            var name = Encode(child.Name) + (child.Category == "commitment" ? "<span class=\"tag\">Minimum spend</span>" : "");
            Row(
                html,
                "detail",
                name,
                child.Description,
                child.Period == line.Period ? "" : Period(child.Period),
                child.Quantity is { } q ? DocumentFormat.Quantity(q) : "",
                child.PerUnitAmount is { } unit ? DocumentFormat.UnitPrice(unit, currency) : "",
                DocumentFormat.Money(child.Totals.Amount, currency));
            foreach (var discount in child.Discounts?.Amount ?? [])
            {
                childDiscounts += discount.Amount;
                DiscountRow(html, "discount detail-discount", discount, currency);
            }
        }

        // The pricing puts discounts on the detailed lines; a line's own amount discounts are shown too unless they only
        // repeat its children's (then the two together would exceed the line's discount total).
        var ownDiscounts = line.Discounts?.Amount ?? [];
        var ownSum = ownDiscounts.Sum(d => d.Amount);
        if (childDiscounts == 0m || childDiscounts + ownSum == line.Totals.DiscountsTotal)
        {
            foreach (var discount in ownDiscounts)
            {
                DiscountRow(html, "discount", discount, currency);
            }
        }

        html.Append("</tbody>\n");
    }

    private static void DiscountRow(StringBuilder html, string cssClass, InvoiceLineAmountDiscount discount, Currency currency) =>
        Row(html, cssClass, "Discount: " + Encode(discount.Description ?? ReasonLabel(discount.Reason)), null, "", "", "", DocumentFormat.Money(Negate(discount.Amount), currency));

    private static void Row(StringBuilder html, string cssClass, string encodedName, string? description, string period, string quantity, string unitPrice, string amount)
    {
        html.Append("<tr class=\"").Append(cssClass).Append("\"><th scope=\"row\">").Append(encodedName);
        if (!string.IsNullOrWhiteSpace(description))
        {
            html.Append("<span class=\"line-text\">").Append(Encode(description)).Append("</span>");
        }

        html.Append("</th><td class=\"period\">").Append(period)
            .Append("</td><td class=\"num quantity\">").Append(quantity)
            .Append("</td><td class=\"num unit-price\">").Append(unitPrice)
            .Append("</td><td class=\"num amount\">").Append(amount).Append("</td></tr>\n");
    }

    // The price per unit a reader can multiply by: a unit price, a flat fee (quantity one), or a package's price per
    // package; tiered and dynamic prices have none, their detailed lines show each rate.
    private static string UnitPriceOf(Price? price, Currency currency) => price switch
    {
        UnitPrice unit => DocumentFormat.UnitPrice(unit.Amount, currency),
        FlatPrice flat => DocumentFormat.UnitPrice(flat.Amount, currency),
        PackagePrice package => DocumentFormat.UnitPrice(package.Amount, currency) + " per " + DocumentFormat.Quantity(package.QuantityPerPackage),
        _ => "",
    };

    private static string ReasonLabel(string reason) => reason switch
    {
        "maximum_spend" => "Maximum spend",
        "ratecard_percentage" => "Percentage discount",
        "ratecard_usage" => "Free usage",
        _ => reason,
    };

    private static void AppendTotals(StringBuilder html, InvoiceTotals totals, Currency currency)
    {
        html.Append("<table class=\"totals\">\n<caption>Totals</caption>\n<tbody>\n");
        TotalRow(html, "subtotal", "Subtotal", totals.Amount, currency);
        TotalRow(html, "discounts", "Discounts", Negate(totals.DiscountsTotal), currency);
        if (totals.CreditsTotal != 0m)
        {
            TotalRow(html, "credits", "Credits", Negate(totals.CreditsTotal), currency);
        }

        // OpenMeter's total adds only the exclusive taxes; inclusive ones are already in the amounts, so they are shown apart.
        TotalRow(html, "taxes", "Taxes", totals.TaxesTotal - totals.TaxesInclusiveTotal, currency);
        if (totals.TaxesInclusiveTotal != 0m)
        {
            TotalRow(html, "taxes-included", "Taxes included in prices", totals.TaxesInclusiveTotal, currency);
        }

        TotalRow(html, "total", "Total", totals.Total, currency);
        html.Append("</tbody>\n</table>\n");
    }

    private static void TotalRow(StringBuilder html, string cssClass, string label, decimal amount, Currency currency) =>
        html.Append("<tr class=\"").Append(cssClass).Append("\"><th scope=\"row\">").Append(label)
            .Append("</th><td class=\"num\">").Append(DocumentFormat.Money(amount, currency)).Append("</td></tr>\n");

    // <time> lets a machine read the date; the CSS keeps each date on one line, so a period wraps only between its dates.
    private static string Time(DateTimeOffset instant)
    {
        var date = DocumentFormat.Date(instant);
        return "<time datetime=\"" + date + "\">" + date + "</time>";
    }

    private static string Period(BillingPeriod period) => Time(period.From) + " – " + Time(period.To);

    // A discount of nothing reads 0.00, not -0.00.
    private static decimal Negate(decimal amount) => amount == 0m ? 0m : -amount;

    private static string Encode(string? text) => text is null ? "" : Encoder.Encode(text);
}
