using Tollgate.Billing.Customers;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Profiles;
using static Tollgate.Billing.Tests.Invoicing.Rendering.SampleInvoices;

namespace Tollgate.Billing.Tests.Invoicing.Rendering;

/// <summary>Every text on the page comes from API input: none of it may become markup.</summary>
public sealed class InvoiceDocumentEscapingTests
{
    private const string Script = "<script>alert(1)</script>";
    private const string Image = "<img src=x onerror=alert(1)>";
    private const string BreakOut = "\"><svg onload=alert(1)>";
    private const string Ampersand = "Smith & Sons <Ltd>";

    private static Invoice Hostile()
    {
        var usd = Usd();
        var tokens = usd.Lines![0] with
        {
            Name = Image,
            Description = BreakOut,
            Children = [usd.Lines[0].Children[0] with { Name = Script, Description = "</td></tr></table>" + Script }],
        };
        var calls = usd.Lines[1] with
        {
            Children =
            [
                usd.Lines[1].Children[0] with
                {
                    Discounts = new InvoiceLineDiscounts { Amount = [Discount("d-x", "ratecard_percentage", 1m, description: Script)] },
                },
                usd.Lines[1].Children[1] with
                {
                    Discounts = new InvoiceLineDiscounts { Amount = [Discount("d-y", "<b>reason</b>", 2.5m)] },
                },
            ],
        };

        return usd with
        {
            Status = InvoiceStatus.Draft,
            Number = "<i>INV</i>-1",
            Description = Script,
            Supplier = new BillingParty
            {
                Name = Ampersand,
                TaxId = new BillingPartyTaxIdentity { Code = BreakOut },
                Addresses = [new Address { Line1 = "</address>" + Script, City = "<b>City</b>", PostalCode = "'1'", Country = "&amp;", PhoneNumber = "+1 555 <0100>" }],
            },
            Customer = usd.Customer with { Name = Script, Key = Image, Addresses = [new Address { Line1 = Script }] },
            ValidationIssues =
            [
                new InvoiceValidationIssue { Id = "i-1", CreatedAt = Created, UpdatedAt = Created, Message = Script, Field = Image, Severity = "<u>critical</u>" },
            ],
            Lines = [tokens, calls],
        };
    }

    [Fact]
    public void A_customer_named_script_comes_out_as_text()
    {
        var page = RenderedInvoice.Of(Usd() with { Customer = Usd().Customer with { Name = Script } });

        Assert.Empty(page.Document.QuerySelectorAll("script"));
        Assert.Equal(Script, RenderedInvoice.Text(page.Party("customer").QuerySelector(".name")));
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void No_text_from_the_invoice_becomes_an_element_or_an_attribute()
    {
        var page = RenderedInvoice.Of(Hostile());

        Assert.Empty(page.Document.QuerySelectorAll("script, img, svg, b, i, u"));
        Assert.DoesNotContain(page.Document.All, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain("<script", page.Html, StringComparison.OrdinalIgnoreCase);
        // The table kept its shape: the description that tried to close it is inside its row.
        Assert.Equal(2, page.Document.QuerySelectorAll("table").Length);
        Assert.Single(page.Document.QuerySelectorAll("address"), a => a.ParentElement!.ClassList.Contains("supplier"));
    }

    [Fact]
    public void Each_hostile_text_is_shown_verbatim_where_it_belongs()
    {
        var page = RenderedInvoice.Of(Hostile());

        Assert.Equal("Invoice <i>INV</i>-1 (Draft)", page.Document.Title);
        Assert.Equal("Invoice <i>INV</i>-1", RenderedInvoice.Text(page.Document.QuerySelector("h1")));
        Assert.Equal(Script, RenderedInvoice.Text(page.Document.QuerySelector("p.description")));
        Assert.Equal(
            [Ampersand, "Tax ID: " + BreakOut, "</address>" + Script, "'1' <b>City</b>", "&amp;", "Phone: +1 555 <0100>"],
            page.PartyLines("supplier"));
        Assert.Equal([Script, "Customer key: " + Image, Script], page.PartyLines("customer"));
        Assert.Equal("<u>critical</u>: " + Script + " (" + Image + ")", RenderedInvoice.Text(page.Document.QuerySelector(".issues li")));

        var rows = page.Rows;
        Assert.Equal(Image, rows[0].Name);
        Assert.Equal(BreakOut, RenderedInvoice.Text(page.Document.QuerySelector("tr.line .line-text")));
        Assert.Equal(Script, rows[1].Name);
        Assert.Equal("</td></tr></table>" + Script, RenderedInvoice.Text(page.Document.QuerySelector("tr.detail .line-text")));
        Assert.Equal("Discount: " + Script, rows[4].Name);
        Assert.Equal("Discount: <b>reason</b>", rows[6].Name);
        Assert.Equal(["2.47 USD", "2.47 USD", "35.00 USD", "10.00 USD", "-1.00 USD", "25.00 USD", "-2.50 USD"], rows.Select(r => r.Amount));
    }

    [Fact]
    public void Letters_of_any_script_stay_as_they_are_in_the_UTF8_page()
    {
        var page = RenderedInvoice.Of(Usd() with { Customer = Usd().Customer with { Name = "Müller & Søn — 株式会社テスト" } });

        Assert.Equal("Müller & Søn — 株式会社テスト", RenderedInvoice.Text(page.Party("customer").QuerySelector(".name")));
        Assert.Contains("Müller &amp; Søn — 株式会社テスト", page.Html, StringComparison.Ordinal);
    }
}
