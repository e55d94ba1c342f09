using System.Globalization;
using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Rendering;
using static Tollgate.Billing.Tests.Invoicing.Rendering.SampleInvoices;

namespace Tollgate.Billing.Tests.Invoicing.Rendering;

public sealed class InvoiceDocumentTests
{
    private const string Oct = "2026-10-01 – 2026-11-01";

    [Fact]
    public void A_usage_line_shows_its_quantity_exact_unit_price_and_rounded_amount()
    {
        var page = RenderedInvoice.Of(Usd());

        Assert.Equal(
            [
                new ChargeRow("line", "AI tokens", Oct, "123456", "0.00002 USD", "2.47 USD"),
                new ChargeRow("detail", "ai-token: usage in period", "", "123456", "0.00002 USD", "2.47 USD"),
            ],
            page.LineGroups[0]);
        Assert.Equal("gpt-4o input and output tokens", RenderedInvoice.Text(page.Document.QuerySelector("table.lines tbody tr.line .line-text")));
    }

    [Fact]
    public void A_graduated_line_lists_its_tiers_indented_under_it_each_followed_by_its_discount_as_a_negative_row()
    {
        var page = RenderedInvoice.Of(Usd());

        Assert.Equal(
            [
                new ChargeRow("line", "API calls", Oct, "6000", "", "35.00 USD"),
                new ChargeRow("detail", "api: usage price for tier 1 (above 0 up to 1000)", "", "1000", "0.01 USD", "10.00 USD"),
                new ChargeRow("discount detail-discount", "Discount: Launch offer: 10 % off", "", "", "", "-1.00 USD"),
                new ChargeRow("detail", "api: usage price for tier 2 (above 1000)", "", "5000", "0.005 USD", "25.00 USD"),
                new ChargeRow("discount detail-discount", "Discount: Launch offer: 10 % off", "", "", "", "-2.50 USD"),
            ],
            page.LineGroups[1]);
        Assert.Equal(2, page.LineGroups.Count);
    }

    [Fact]
    public void Totals_show_subtotal_discounts_taxes_and_total_in_the_invoice_currency()
    {
        var page = RenderedInvoice.Of(Usd());

        Assert.Equal(
            [("Subtotal", "37.47 USD"), ("Discounts", "-3.50 USD"), ("Taxes", "0.00 USD"), ("Total", "33.97 USD")],
            page.Totals);
    }

    [Fact]
    public void Exclusive_taxes_add_to_the_total_and_inclusive_ones_are_shown_apart()
    {
        var invoice = Usd() with
        {
            Totals = Totals(37.47m, discounts: 3.5m, exclusiveTaxes: 6.79m) with { TaxesInclusiveTotal = 1.2m, TaxesTotal = 7.99m, CreditsTotal = 5m, Total = 35.76m },
        };

        Assert.Equal(
            [
                ("Subtotal", "37.47 USD"), ("Discounts", "-3.50 USD"), ("Credits", "-5.00 USD"), ("Taxes", "6.79 USD"),
                ("Taxes included in prices", "1.20 USD"), ("Total", "35.76 USD"),
            ],
            RenderedInvoice.Of(invoice).Totals);
    }

    [Fact]
    public void The_header_names_the_invoice_and_its_dates_as_ISO_dates_in_UTC()
    {
        // Due 23:59:59 UTC on 2 December: a local-time rendering east of UTC would show the 3rd.
        var page = RenderedInvoice.Of(Usd());

        Assert.Equal("Invoice INV-ACME-2026-0042 (Issued)", page.Document.Title);
        Assert.Equal("Invoice INV-ACME-2026-0042", RenderedInvoice.Text(page.Document.QuerySelector("h1")));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["Invoice number"] = "INV-ACME-2026-0042",
                ["Issue date"] = "2026-11-02",
                ["Due date"] = "2026-12-02",
                ["Service period"] = Oct,
                ["Currency"] = "USD",
            },
            page.Facts);
    }

    [Fact]
    public void Supplier_and_customer_blocks_show_name_tax_id_key_and_address()
    {
        var page = RenderedInvoice.Of(Usd());

        Assert.Equal(["Tollgate Example Ltd", "Tax ID: GB123456789", "1 Gateway Street", "EC1A 1BB London", "GB"], page.PartyLines("supplier"));
        Assert.Equal(["ACME Corporation", "Customer key: acme", "500 Market Street", "Suite 12", "94105 San Francisco", "CA", "US"], page.PartyLines("customer"));
        Assert.Equal("From", RenderedInvoice.Text(page.Party("supplier").QuerySelector("h2")));
        Assert.Equal("Bill to", RenderedInvoice.Text(page.Party("customer").QuerySelector("h2")));
    }

    [Fact]
    public void Yen_amounts_have_no_decimals()
    {
        // 2469 requests at 0.5 JPY = 1234.5, stored rounded half away from zero as 1235.
        var line = Line("line-jpy", "Requests", 2469m, new UnitPrice { Amount = 0.5m }, "JPY", Totals(1235m));
        var page = RenderedInvoice.Of(Invoice("JPY", InvoiceStatus.Issued, [line], Totals(1235m)));

        Assert.Equal([new ChargeRow("line", "Requests", Oct, "2469", "0.5 JPY", "1235 JPY")], page.Rows);
        Assert.Equal([("Subtotal", "1235 JPY"), ("Discounts", "0 JPY"), ("Taxes", "0 JPY"), ("Total", "1235 JPY")], page.Totals);
        Assert.DoesNotContain(".00", page.Html, StringComparison.Ordinal);
        Assert.Equal("JPY", page.Facts["Currency"]);
    }

    [Fact]
    public void Bahraini_dinar_amounts_have_three_decimals()
    {
        // 1000 units at 0.0125 BHD = 12.500; a flat 3 BHD fee reads 3.000 as its unit price, less 0.250 off.
        var usage = Line("line-bhd", "Requests", 1000m, new UnitPrice { Amount = 0.0125m }, "BHD", Totals(12.5m));
        var fee = Line("line-fee", "Platform fee", 1m, new FlatPrice { Amount = 3m }, "BHD", Totals(3m, discounts: 0.25m)) with
        {
            Discounts = new InvoiceLineDiscounts { Amount = [Discount("d-fee", "ratecard_percentage", 0.25m)] },
        };
        var page = RenderedInvoice.Of(Invoice("BHD", InvoiceStatus.Issued, [usage, fee], Totals(15.5m, discounts: 0.25m)));

        Assert.Equal(
            [
                new ChargeRow("line", "Requests", Oct, "1000", "0.0125 BHD", "12.500 BHD"),
                new ChargeRow("line", "Platform fee", Oct, "1", "3.000 BHD", "3.000 BHD"),
                new ChargeRow("discount", "Discount: Percentage discount", "", "", "", "-0.250 BHD"),
            ],
            page.Rows);
        Assert.Equal([("Subtotal", "15.500 BHD"), ("Discounts", "-0.250 BHD"), ("Taxes", "0.000 BHD"), ("Total", "15.250 BHD")], page.Totals);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_invoice_without_lines_says_No_charges_and_totals_zero(bool linesExpanded)
    {
        var page = RenderedInvoice.Of(Invoice("USD", InvoiceStatus.Gathering, linesExpanded ? [] : null, InvoiceTotals.Zero));

        Assert.Equal([new ChargeRow("empty", "No charges", "", "", "", "")], page.Rows);
        Assert.Equal("5", page.Document.QuerySelector("tr.empty td")!.GetAttribute("colspan"));
        Assert.Equal([("Subtotal", "0.00 USD"), ("Discounts", "0.00 USD"), ("Taxes", "0.00 USD"), ("Total", "0.00 USD")], page.Totals);
        Assert.Equal("—", page.Facts["Service period"]);
        Assert.Equal("Not issued yet", page.Facts["Issue date"]);
    }

    [Fact]
    public void Deleted_lines_are_left_out()
    {
        var invoice = Usd();
        invoice = invoice with { Lines = [invoice.Lines![0] with { DeletedAt = Created }, invoice.Lines[1]] };

        Assert.Equal(["API calls"], RenderedInvoice.Of(invoice).Rows.Where(r => r.Kind == "line").Select(r => r.Name));
    }

    [Fact]
    public void A_minimum_spend_commitment_line_is_tagged_under_its_line()
    {
        // 100 requests at 0.01 = 1.00 against a 10.00 minimum: a 9.00 commitment top-up.
        var line = Line("line-min", "Requests", 100m, new UnitPrice { Amount = 0.01m, MinimumAmount = 10m }, "USD", Totals(10m)) with
        {
            Children =
            [
                Detail("detail-usage", "api: usage in period", 100m, 0.01m, "USD", Totals(1m)),
                Detail("detail-min", "api: minimum spend", 1m, 9m, "USD", Totals(9m)) with { Category = "commitment" },
            ],
        };
        var page = RenderedInvoice.Of(Invoice("USD", InvoiceStatus.Issued, [line], Totals(10m)));

        Assert.Equal(
            [
                new ChargeRow("line", "Requests", Oct, "100", "0.01 USD", "10.00 USD"),
                new ChargeRow("detail", "api: usage in period", "", "100", "0.01 USD", "1.00 USD"),
                new ChargeRow("detail", "api: minimum spend", "", "1", "9.00 USD", "9.00 USD"),
            ],
            page.Rows);
        var tags = page.Document.QuerySelectorAll("table.lines .tag");
        Assert.Equal("Minimum spend", RenderedInvoice.Text(Assert.Single(tags)));
        Assert.Equal("api: minimum spend", RenderedInvoice.Text(tags[0].ParentElement!.FirstChild));
    }

    [Fact]
    public void A_line_s_own_discount_shows_under_it_and_a_copy_of_its_children_s_discounts_is_not_shown_twice()
    {
        var own = Line("line-own", "Seats", 5m, new UnitPrice { Amount = 20m }, "USD", Totals(100m, discounts: 15m)) with
        {
            Discounts = new InvoiceLineDiscounts { Amount = [Discount("d-own", "maximum_spend", 15m)] },
        };
        var usd = Usd();
        // Some writer may also sum the detailed lines' discounts onto the line: 3.50, already shown under the tiers.
        var mirrored = usd.Lines![1] with { Discounts = new InvoiceLineDiscounts { Amount = [Discount("d-sum", "ratecard_percentage", 3.5m)] } };
        var page = RenderedInvoice.Of(usd with { Lines = [own, mirrored] });

        Assert.Equal(
            [
                new ChargeRow("line", "Seats", Oct, "5", "20.00 USD", "100.00 USD"),
                new ChargeRow("discount", "Discount: Maximum spend", "", "", "", "-15.00 USD"),
            ],
            page.LineGroups[0]);
        Assert.Equal(["-1.00 USD", "-2.50 USD"], page.LineGroups[1].Where(r => r.Kind.StartsWith("discount", StringComparison.Ordinal)).Select(r => r.Amount));
    }

    [Fact]
    public void Free_usage_is_noted_under_the_line_without_an_amount()
    {
        var line = Line("line-free", "AI tokens", 123456m, new UnitPrice { Amount = 0.00002m }, "USD", Totals(2.47m)) with
        {
            MeteredQuantity = 133456m,
            Discounts = new InvoiceLineDiscounts
            {
                Usage = [new InvoiceLineUsageDiscount { Id = "u-1", CreatedAt = Created, UpdatedAt = Created, Reason = "ratecard_usage", Quantity = 10000m }],
            },
        };

        var rows = RenderedInvoice.Of(Invoice("USD", InvoiceStatus.Issued, [line], Totals(2.47m))).Rows;

        Assert.Equal(new ChargeRow("note", "Free usage: 10000 not billed", "", "", "", ""), rows[1]);
    }

    [Fact]
    public void A_detailed_line_over_another_period_than_its_line_shows_its_own()
    {
        var line = Line("line-p", "Seats", 1m, new FlatPrice { Amount = 30m }, "USD", Totals(30m)) with
        {
            Children = [Detail("d-p", "Seats: prorated", 1m, 30m, "USD", Totals(30m)) with { Period = new(October.From.AddDays(14), October.To) }],
        };

        Assert.Equal("2026-10-15 – 2026-11-01", RenderedInvoice.Of(Invoice("USD", InvoiceStatus.Issued, [line], Totals(30m))).Rows[1].Period);
    }

    [Fact]
    public void Numbers_do_not_follow_the_current_culture()
    {
        var commaCulture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaCulture.NumberFormat.NumberDecimalSeparator = ",";
        commaCulture.NumberFormat.NumberGroupSeparator = ".";
        commaCulture.DateTimeFormat.DateSeparator = "/";
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = commaCulture;
        try
        {
            var page = RenderedInvoice.Of(Usd());
            Assert.Equal("0.00002 USD", page.Rows[0].UnitPrice);
            Assert.Equal("2.47 USD", page.Rows[0].Amount);
            Assert.Equal("2026-11-02", page.Facts["Issue date"]);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void The_document_is_self_contained_HTML5_with_print_rules_for_A4()
    {
        var page = RenderedInvoice.Of(Usd());

        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">", page.Html, StringComparison.Ordinal);
        Assert.Equal("utf-8", page.Document.QuerySelector("meta[charset]")!.GetAttribute("charset"));
        Assert.NotNull(page.Document.QuerySelector("meta[name=viewport]"));
        Assert.Empty(page.Document.QuerySelectorAll("script, link, img, iframe, object, [src], [href]"));
        var css = Assert.Single(page.Document.QuerySelectorAll("style")).TextContent;
        Assert.DoesNotContain("url(", css, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", css, StringComparison.Ordinal);
        Assert.DoesNotContain("@font-face", css, StringComparison.Ordinal);
        Assert.Contains("@page { size: A4;", css, StringComparison.Ordinal);
        Assert.Contains("@media print", css, StringComparison.Ordinal);
        Assert.Contains("thead { display: table-header-group; }", css, StringComparison.Ordinal);
        Assert.Contains("break-inside: avoid", css, StringComparison.Ordinal);
        Assert.Contains("@media screen and (max-width: 40rem)", css, StringComparison.Ordinal);
    }

    [Fact]
    public void Tables_are_accessible_with_captions_and_scoped_headers()
    {
        var page = RenderedInvoice.Of(Usd());

        var lines = page.Document.QuerySelector("table.lines")!;
        Assert.Equal("Charges", RenderedInvoice.Text(lines.QuerySelector("caption")));
        Assert.Equal(
            ["Description", "Service period", "Quantity", "Unit price", "Amount"],
            lines.QuerySelectorAll("thead th[scope=col]").Select(RenderedInvoice.Text));
        Assert.All(lines.QuerySelectorAll("tbody tr"), tr => Assert.Equal("row", tr.QuerySelector("th")!.GetAttribute("scope")));
        var totals = page.Document.QuerySelector("table.totals")!;
        Assert.Equal("Totals", RenderedInvoice.Text(totals.QuerySelector("caption")));
        Assert.All(totals.QuerySelectorAll("tr"), tr => Assert.Equal("row", tr.QuerySelector("th")!.GetAttribute("scope")));
    }

    [Fact]
    public void An_unknown_currency_is_refused()
    {
        var invoice = Usd() with { Currency = "XXX" };

        Assert.Equal("invoice", Assert.Throws<ArgumentException>(() => InvoiceDocument.Render(invoice)).ParamName);
    }
}
