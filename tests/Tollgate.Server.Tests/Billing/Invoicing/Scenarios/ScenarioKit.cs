using System.Net;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Billing.Invoicing.InvoicingFixture;

namespace Tollgate.Server.Tests.Billing.Invoicing.Scenarios;

/// <summary>
/// What the billing scenarios add to <see cref="InvoicingFixture"/>: more features on the tokens meter (one per price
/// under test, all counting the same events), rate cards by feature, events at a raw RFC 3339 time, the default
/// profile's workflow, "invoice now", and reading lines, their detailed lines and invoices by number.
/// </summary>
internal static class ScenarioKit
{
    /// <summary>A feature <paramref name="key"/> on the tokens meter (the fixture's <c>ai_token</c> is one too).</summary>
    public static Task FeatureAsync(TollgateServer server, string key) =>
        CreateAsync(server, "/api/v1/features", $$"""{"key":"{{key}}","name":"{{key}}","meterSlug":"tokens_total"}""");

    /// <summary>A usage rate card for feature <paramref name="key"/> (named after it) at <paramref name="price"/> (JSON).</summary>
    public static string Usage(string key, string price, string cadence = "P1M", string extra = "") => $$"""
        {"type":"usage_based","key":"{{key}}","name":"{{key}}","featureKey":"{{key}}","billingCadence":"{{cadence}}","price":{{price}}{{extra}} }
        """;

    /// <summary>A flat fee rate card named <paramref name="name"/>.</summary>
    public static string Flat(string name, string amount, string term = "in_advance", string cadence = "P1M", string key = "platform") => $$"""
        {"type":"flat_fee","key":"{{key}}","name":"{{name}}","billingCadence":"{{cadence}}","price":{"type":"flat","amount":"{{amount}}","paymentTerm":"{{term}}"} }
        """;

    /// <summary>Usage of <paramref name="tokens"/> by <paramref name="subject"/> at <paramref name="time"/> written as is (any offset).</summary>
    public static Task UseAtAsync(TollgateServer server, string subject, int tokens, string time) =>
        Events.IngestAsync(server, Events.Batch([Events.Event(Ulid.NewUlid().ToString(), subject, time, Events.Tokens(tokens))]));

    /// <summary>Replaces the default profile's invoicing settings (JSON) through the profiles API; the rest keeps its defaults.</summary>
    public static async Task EditInvoicingAsync(TollgateServer server, string invoicingJson)
    {
        using var profiles = JsonDocument.Parse(await server.GetStringAsync("/api/v1/billing/profiles"));
        var profile = profiles.RootElement.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("default").GetBoolean());
        using var body = new StringContent(
            $$"""{"name":"{{profile.GetProperty("name").GetString()}}","supplier":{{profile.GetProperty("supplier").GetRawText()}},"default":true,"workflow":{"invoicing":{{invoicingJson}} } }""",
            System.Text.Encoding.UTF8,
            "application/json");
        using var response = await server.Admin.PutAsync($"/api/v1/billing/profiles/{profile.GetProperty("id").GetString()}", body, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary><c>POST /billing/invoices/invoice</c> for the customer; the invoices it made.</summary>
    public static async Task<List<JsonElement>> InvoiceNowAsync(TollgateServer server, string customerId, string extra = "")
    {
        var made = await PostAsync(server, "/api/v1/billing/invoices/invoice", $$"""{"customerId":"{{customerId}}"{{extra}}}""", HttpStatusCode.Created);
        return [.. made.EnumerateArray()];
    }

    /// <summary>The customer's invoice numbered <paramref name="number"/> (exactly one).</summary>
    public static async Task<JsonElement> NumberedAsync(TollgateServer server, string customerId, string number) =>
        (await InvoicesAsync(server, customerId)).Single(i => i.GetProperty("number").GetString() == number);

    /// <summary>The numbers of the customer's issued invoices, oldest first.</summary>
    public static async Task<List<string>> NumbersAsync(TollgateServer server, string customerId) =>
        [.. (await IssuedAsync(server, customerId)).Select(i => i.GetProperty("number").GetString()!)];

    /// <summary>The line named <paramref name="name"/> whose period starts at <paramref name="from"/>.</summary>
    public static JsonElement LineFrom(JsonElement invoice, string name, DateTimeOffset from) =>
        Lines(invoice).Single(l => l.GetProperty("name").GetString() == name && PeriodFrom(l) == from);

    public static DateTimeOffset PeriodFrom(JsonElement item) => item.GetProperty("period").GetProperty("from").GetDateTimeOffset();

    public static DateTimeOffset PeriodTo(JsonElement item) => item.GetProperty("period").GetProperty("to").GetDateTimeOffset();

    /// <summary>The invoice's total.</summary>
    public static decimal InvoiceTotal(JsonElement invoice) => Decimal(invoice.GetProperty("totals").GetProperty("total"));

    /// <summary>The line names of an invoice, sorted, to assert there is nothing else on it.</summary>
    public static List<string> Names(JsonElement invoice) => [.. Lines(invoice).Select(l => l.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];

    /// <summary>A line's detailed lines as (name, quantity, total), in order.</summary>
    public static List<(string Name, decimal Quantity, decimal Total)> Details(JsonElement line) =>
        [.. line.GetProperty("children").EnumerateArray().Select(c => (c.GetProperty("name").GetString()!, Decimal(c.GetProperty("quantity")), Total(c)))];

    public static decimal Quantity(JsonElement line) => Decimal(line.GetProperty("quantity"));

    public static decimal PreLineQuantity(JsonElement line) => Decimal(line.GetProperty("preLinePeriodQuantity"));

    public static string Status(JsonElement invoice) => invoice.GetProperty("status").GetString()!;
}
