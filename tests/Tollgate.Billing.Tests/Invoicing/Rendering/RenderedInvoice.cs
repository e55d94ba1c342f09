using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Invoicing.Rendering;

namespace Tollgate.Billing.Tests.Invoicing.Rendering;

/// <summary>One row of the charges table as a reader sees it; <see cref="Name"/> without the description or tag under it.</summary>
internal sealed record ChargeRow(string Kind, string Name, string Period, string Quantity, string UnitPrice, string Amount);

/// <summary>A rendered invoice parsed by a real HTML5 parser (AngleSharp), read the way a browser would show it.</summary>
internal sealed class RenderedInvoice
{
    private RenderedInvoice(string html, IHtmlDocument document)
    {
        Html = html;
        Document = document;
    }

    public string Html { get; }

    public IHtmlDocument Document { get; }

    public static RenderedInvoice Of(Invoice invoice)
    {
        var html = InvoiceDocument.Render(invoice);
        return new RenderedInvoice(html, new HtmlParser().ParseDocument(html));
    }

    /// <summary>The charges table, one list of rows per line (a <c>tbody</c> each).</summary>
    public IReadOnlyList<IReadOnlyList<ChargeRow>> LineGroups =>
        [.. Document.QuerySelectorAll("table.lines > tbody").Select(body => (IReadOnlyList<ChargeRow>)[.. body.QuerySelectorAll("tr").Select(ToRow)])];

    public IReadOnlyList<ChargeRow> Rows => [.. LineGroups.SelectMany(group => group)];

    /// <summary>The totals table's label and amount, in order.</summary>
    public IReadOnlyList<(string Label, string Amount)> Totals =>
        [.. Document.QuerySelectorAll("table.totals tr").Select(tr => (Text(tr.QuerySelector("th")), Text(tr.QuerySelector("td"))))];

    /// <summary>The header's facts, term to value.</summary>
    public IReadOnlyDictionary<string, string> Facts =>
        Document.QuerySelectorAll("dl.facts dt").ToDictionary(dt => Text(dt), dt => Text(dt.NextElementSibling));

    public IElement? Banner => Document.QuerySelector(".banner");

    public IElement Party(string which) => Document.QuerySelector($".party.{which}") ?? throw new InvalidOperationException($"no {which} block");

    /// <summary>A party block's paragraphs and address lines, each as shown.</summary>
    public IReadOnlyList<string> PartyLines(string which)
    {
        var party = Party(which);
        var lines = party.QuerySelectorAll("p").Select(Text).ToList();
        if (party.QuerySelector("address") is { } address)
        {
            lines.AddRange(address.ChildNodes.Where(n => n.NodeType == NodeType.Text).Select(n => n.TextContent));
        }

        return lines;
    }

    public static string Text(INode? node) => node?.TextContent.Trim() ?? "";

    private static ChargeRow ToRow(IElement tr)
    {
        var cells = tr.QuerySelectorAll("td");
        if (cells.Length == 1)
        {
            return new ChargeRow(tr.ClassName ?? "", Text(cells[0]), "", "", "", "");
        }

        var name = (IElement)tr.QuerySelector("th")!.Clone();
        foreach (var under in name.QuerySelectorAll(".line-text, .tag").ToList())
        {
            under.Remove();
        }

        return new ChargeRow(tr.ClassName ?? "", Text(name), Text(cells[0]), Text(cells[1]), Text(cells[2]), Text(cells[3]));
    }
}
