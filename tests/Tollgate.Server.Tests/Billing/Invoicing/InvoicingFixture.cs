using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Server.Tests.Infrastructure;

namespace Tollgate.Server.Tests.Billing.Invoicing;

/// <summary>
/// What invoicing tests share: a tokens meter and an <c>ai_token</c> feature on it, customers whose subject is
/// their key, plans from rate-card JSON, usage as CloudEvents at given times, and the bill run on demand.
/// </summary>
internal static class InvoicingFixture
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task CatalogAsync(TollgateServer server)
    {
        await Events.CreateMeterAsync(server, Events.TokensMeter);
        await CreateAsync(server, "/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"tokens_total"}""");
    }

    /// <summary>A published plan named <paramref name="key"/> with one phase of <paramref name="rateCards"/> (JSON array items).</summary>
    public static async Task PlanAsync(TollgateServer server, string key, string rateCards, string currency = "USD", string cadence = "P1M", string extra = "")
    {
        var id = await CreateAsync(server, "/api/v1/plans", $$"""
            {"key":"{{key}}","name":"{{key}}","currency":"{{currency}}","billingCadence":"{{cadence}}"{{extra}},
             "phases":[{"key":"default","name":"Default","rateCards":[{{rateCards}}]}]}
            """);
        using var published = await server.PostJsonAsync($"/api/v1/plans/{id}/publish", "{}");
        Assert.True(published.StatusCode == HttpStatusCode.OK, await published.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>The usage rate card of <c>ai_token</c> at <paramref name="price"/> (JSON).</summary>
    public static string UsageCard(string price, string cadence = "P1M", string extra = "") => $$"""
        {"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","billingCadence":"{{cadence}}","price":{{price}}{{extra}} }
        """;

    /// <summary>A flat fee rate card of <paramref name="amount"/> each period, in advance unless told.</summary>
    public static string FlatCard(string amount, string term = "in_advance", string cadence = "P1M") => $$"""
        {"type":"flat_fee","key":"platform","name":"Platform fee","billingCadence":"{{cadence}}","price":{"type":"flat","amount":"{{amount}}","paymentTerm":"{{term}}"} }
        """;

    /// <summary>A customer keyed <paramref name="key"/> whose usage is the subject <paramref name="key"/>; returns its id.</summary>
    public static Task<string> CustomerAsync(TollgateServer server, string key) =>
        CreateAsync(server, "/api/v1/customers", $$"""{"name":"{{key}}","key":"{{key}}","usageAttribution":{"subjectKeys":["{{key}}"] } }""");

    public static Task<string> SubscribeAsync(TollgateServer server, string customerKey, string planKey, DateTimeOffset? at = null, string extra = "") =>
        CreateAsync(server, "/api/v1/subscriptions", at is { } start
            ? $$"""{"customerKey":"{{customerKey}}","plan":{"key":"{{planKey}}"},"timing":"{{Iso(start)}}"{{extra}}}"""
            : $$"""{"customerKey":"{{customerKey}}","plan":{"key":"{{planKey}}"},"timing":"immediate"{{extra}}}""");

    /// <summary>Usage of <paramref name="tokens"/> by <paramref name="subject"/> at <paramref name="at"/>.</summary>
    public static Task UseAsync(TollgateServer server, string subject, int tokens, DateTimeOffset at) =>
        Events.IngestAsync(server, Events.Batch([Events.Event(Ulid.NewUlid().ToString(), subject, Iso(at), Events.Tokens(tokens))]));

    /// <summary>The customer's invoices, lines expanded, oldest first.</summary>
    public static async Task<List<JsonElement>> InvoicesAsync(TollgateServer server, string customerId)
    {
        using var page = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/billing/invoices?customers={customerId}&expand=lines&orderBy=createdAt"));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.Clone())];
    }

    public static async Task<JsonElement> GatheringAsync(TollgateServer server, string customerId) =>
        (await InvoicesAsync(server, customerId)).Single(i => i.GetProperty("status").GetString() == "gathering");

    public static async Task<List<JsonElement>> IssuedAsync(TollgateServer server, string customerId) =>
        [.. (await InvoicesAsync(server, customerId)).Where(i => i.GetProperty("status").GetString() is not ("gathering" or "draft"))];

    public static Task<BillRunResult> BillAsync(TollgateServer server) =>
        server.App.Services.GetRequiredService<BillRun>().RunAsync(Ct);

    /// <summary>A line's total by name, as the exact decimal the API wrote.</summary>
    public static decimal Total(JsonElement line) => Decimal(line.GetProperty("totals").GetProperty("total"));

    public static decimal Decimal(JsonElement value) => decimal.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    public static IEnumerable<JsonElement> Lines(JsonElement invoice) => invoice.GetProperty("lines").EnumerateArray();

    public static JsonElement Line(JsonElement invoice, string name) => Lines(invoice).Single(l => l.GetProperty("name").GetString() == name);

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static async Task<string> CreateAsync(TollgateServer server, string path, string json)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"POST {path} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> PostAsync(TollgateServer server, string path, string json, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await server.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"POST {path} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body.Length == 0 ? "null" : body);
        return document.RootElement.Clone();
    }
}
