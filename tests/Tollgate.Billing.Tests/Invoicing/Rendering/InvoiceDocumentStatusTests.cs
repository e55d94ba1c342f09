using Tollgate.Billing.Invoicing.Invoices;
using static Tollgate.Billing.Tests.Invoicing.Rendering.SampleInvoices;

namespace Tollgate.Billing.Tests.Invoicing.Rendering;

/// <summary>A reader must never take a preview, a draft or a void invoice for one to pay.</summary>
public sealed class InvoiceDocumentStatusTests
{
    private static readonly DateTimeOffset Paid = new(2026, 11, 20, 23, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Voided = new(2026, 11, 5, 0, 0, 1, TimeSpan.Zero);

    [Theory]
    [InlineData(InvoiceStatus.Gathering, "Preview", "banner-preview", "PREVIEW — not an invoice yet")]
    [InlineData(InvoiceStatus.Draft, "Draft", "banner-draft", "DRAFT — not an invoice yet")]
    [InlineData(InvoiceStatus.Issuing, "Being issued", "banner-draft", "DRAFT — not an invoice yet")]
    [InlineData(InvoiceStatus.Voided, "Void", "banner-void", "VOID")]
    [InlineData(InvoiceStatus.Paid, "Paid", "banner-paid", "PAID")]
    [InlineData(InvoiceStatus.Overdue, "Overdue", "banner-overdue", "OVERDUE")]
    [InlineData(InvoiceStatus.Uncollectible, "Uncollectible", "banner-void", "UNCOLLECTIBLE")]
    public void Statuses_a_reader_must_notice_get_a_banner(InvoiceStatus status, string label, string bannerClass, string headline)
    {
        var page = RenderedInvoice.Of(Usd() with { Status = status });

        Assert.Equal($"Invoice INV-ACME-2026-0042 ({label})", page.Document.Title);
        Assert.Equal(label, RenderedInvoice.Text(page.Document.QuerySelector(".status strong")));
        var banner = page.Banner!;
        Assert.Equal(["banner", bannerClass], banner.ClassList);
        Assert.Equal("note", banner.GetAttribute("role"));
        Assert.Equal(headline, RenderedInvoice.Text(banner.QuerySelector("strong")));
        // The banner comes before anything else on the page, so it is the first thing read and printed.
        Assert.Same(banner, page.Document.QuerySelector("main header")!.FirstElementChild);
    }

    [Theory]
    [InlineData(InvoiceStatus.Issued, "Issued")]
    [InlineData(InvoiceStatus.PaymentProcessing, "Payment processing")]
    public void An_invoice_awaiting_payment_has_no_banner(InvoiceStatus status, string label)
    {
        var page = RenderedInvoice.Of(Usd() with { Status = status });

        Assert.Null(page.Banner);
        Assert.Equal($"Invoice INV-ACME-2026-0042 ({label})", page.Document.Title);
    }

    [Fact]
    public void The_banners_say_when_it_was_paid_voided_or_due()
    {
        Assert.Equal("Paid in full on 2026-11-20.", BannerText(Usd() with { Status = InvoiceStatus.Paid, PaidAt = Paid }));
        Assert.Equal("Paid in full.", BannerText(Usd() with { Status = InvoiceStatus.Paid }));
        Assert.Equal("This invoice was voided on 2026-11-05 and is not payable.", BannerText(Usd() with { Status = InvoiceStatus.Voided, VoidedAt = Voided }));
        Assert.Equal("Payment was due on 2026-12-02.", BannerText(Usd() with { Status = InvoiceStatus.Overdue }));
        Assert.Equal("Payment is overdue.", BannerText(Usd() with { Status = InvoiceStatus.Overdue, DueAt = null }));
    }

    [Fact]
    public void A_draft_lists_what_blocks_issuing_and_an_issued_invoice_does_not()
    {
        var issue = new InvoiceValidationIssue { Id = "i-1", CreatedAt = Created, UpdatedAt = Created, Message = "tax calculation failed", Field = "lines" };

        var draft = RenderedInvoice.Of(Usd() with { Status = InvoiceStatus.Draft, ValidationIssues = [issue] });
        var issued = RenderedInvoice.Of(Usd() with { Status = InvoiceStatus.Issued, ValidationIssues = [issue] });

        Assert.Equal(["critical: tax calculation failed (lines)"], draft.Document.QuerySelectorAll(".issues li").Select(RenderedInvoice.Text));
        Assert.Null(issued.Document.QuerySelector(".issues"));
    }

    private static string BannerText(Invoice invoice) => RenderedInvoice.Text(RenderedInvoice.Of(invoice).Banner!.QuerySelector("p"));
}
