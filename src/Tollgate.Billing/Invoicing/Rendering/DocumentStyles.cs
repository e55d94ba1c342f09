namespace Tollgate.Billing.Invoicing.Rendering;

/// <summary>
/// The document's only stylesheet, inlined so the page needs nothing else to render (no fonts, no scripts, no
/// network): system fonts, a narrow-screen layout, and print rules for a clean A4 page from a browser's Print to PDF.
/// </summary>
internal static class DocumentStyles
{
    public const string Css = """
        :root { color-scheme: light; --ink: #1a1a1a; --muted: #5c5c5c; --rule: #d0d0d0; --accent: #1f4e8c; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body { margin: 0; padding: 1.5rem; color: var(--ink); background: #fff; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 52rem; margin: 0 auto; }
        h1 { font-size: 1.6em; margin: 0 0 .25rem; }
        h2 { font-size: .8em; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 .35rem; }
        .status { margin: 0 0 1rem; color: var(--muted); }
        .banner { border: 3px solid currentColor; border-radius: 4px; padding: .6rem .9rem; margin: 0 0 1.25rem; }
        .banner strong { display: block; font-size: 1.25em; letter-spacing: .08em; }
        .banner p { margin: .2rem 0 0; color: var(--ink); }
        .banner-preview, .banner-draft { color: #8a5a00; }
        .banner-void { color: #a11d1d; }
        .banner-overdue { color: #a11d1d; }
        .banner-paid { color: #1d6b35; }
        .description { margin: 0 0 1rem; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1.5rem; }
        .facts dt { color: var(--muted); }
        .facts dd { margin: 0; }
        .parties { display: flex; flex-wrap: wrap; gap: 1rem 3rem; margin: 0 0 1.5rem; }
        .party { flex: 1 1 16rem; }
        .party p, .party address { margin: 0; font-style: normal; }
        .party .name { font-weight: 600; }
        .issues { border-left: 3px solid #a11d1d; padding: .2rem .8rem; margin: 0 0 1.5rem; }
        .table-scroll { overflow-x: auto; margin: 0 0 1.5rem; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        caption { text-align: left; font-weight: 600; font-size: 1.05em; padding: 0 0 .4rem; }
        th, td { padding: .4rem .5rem; vertical-align: top; text-align: left; }
        thead th { border-bottom: 2px solid var(--ink); font-size: .85em; color: var(--muted); }
        tbody th { font-weight: 400; }
        .lines tbody { border-bottom: 1px solid var(--rule); }
        .lines .line th { font-weight: 600; }
        .lines .detail th, .lines .discount th, .lines .note th { padding-left: 1.75rem; }
        .lines .detail, .lines .discount, .lines .note { font-size: .9em; color: #333; }
        .lines .detail-discount th { padding-left: 3rem; }
        .lines .empty td { text-align: center; color: var(--muted); padding: 1rem; }
        .line-text { display: block; font-weight: 400; color: var(--muted); font-size: .85em; }
        .tag { display: inline-block; border: 1px solid currentColor; border-radius: 3px; padding: 0 .3rem; margin-left: .35rem; font-size: .75em; color: var(--accent); }
        .num { text-align: right; white-space: nowrap; }
        .totals { width: auto; min-width: 18rem; margin: 0 0 0 auto; }
        .totals th { text-align: left; padding-right: 2rem; }
        .totals .total th, .totals .total td { border-top: 2px solid var(--ink); font-weight: 700; font-size: 1.1em; }
        footer { margin-top: 2rem; color: var(--muted); font-size: .8em; }
        time { white-space: nowrap; }
        /* A phone has no room for five columns: each row becomes a small block (name, period, quantity × unit price,
           amount on the right) instead of a table scrolled sideways that hides the amounts. */
        @media screen and (max-width: 40rem) {
          body { padding: .75rem; font-size: 14px; }
          h1 { font-size: 1.35em; overflow-wrap: anywhere; }
          .lines thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
          .lines tr { display: flex; flex-wrap: wrap; align-items: baseline; gap: .1rem .6rem; padding: .4rem 0; }
          .lines th, .lines td { display: block; padding: 0; }
          .lines .line th, .lines .detail th, .lines .discount th, .lines .note th { padding-left: 0; flex: 1 1 100%; }
          .lines .detail, .lines .discount, .lines .note { padding-left: 1rem; }
          .lines .detail-discount { padding-left: 2rem; }
          .lines td:empty { display: none; }
          .lines td.period { flex: 1 1 100%; color: var(--muted); font-size: .85em; }
          .lines td.quantity::before { content: "Qty "; color: var(--muted); }
          .lines td.unit-price::before { content: "× "; color: var(--muted); }
          .lines td.amount { margin-left: auto; font-weight: 600; }
          .lines .empty { display: block; }
          .lines .empty td { flex: 1 1 100%; }
          .totals { width: 100%; min-width: 0; }
        }
        @page { size: A4; margin: 14mm 12mm; }
        @media print {
          body { padding: 0; font-size: 9.5pt; line-height: 1.3; }
          main { max-width: none; }
          h1 { font-size: 16pt; }
          .banner { padding: .3rem .6rem; margin-bottom: .8rem; }
          .banner strong { font-size: 13pt; }
          .facts, .parties, .status, .description { margin-bottom: .8rem; }
          th, td { padding: .2rem .4rem; }
          .table-scroll { overflow: visible; margin-bottom: .8rem; }
          thead { display: table-header-group; }
          tr, .totals, .party, .banner { break-inside: avoid; page-break-inside: avoid; }
          .lines tbody { break-inside: avoid-page; }
          footer { margin-top: 1rem; }
        }
        """;
}
