using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Billing.Invoicing.Invoices;
using Tollgate.Billing.Storage;
using Tollgate.Server.Hosting;

namespace Tollgate.Bench;

/// <summary>
/// DESIGN §4's bill run: N customers on a usage plan, each with a month of usage, and the time from the period's end
/// (plus the collection interval) until every one of their invoices is issued and paid by the sandbox app. In process
/// on a real server under a test clock (only the clock is fake: store, meters and HTTP are real); the background biller
/// is left out so one <see cref="BillRun"/> is timed alone. Checks afterwards that every customer has exactly one paid
/// invoice and the amounts add up to the cent.
/// </summary>
internal static class BillRunBenchmark
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int customers, int eventsPerCustomer, StoreSettings stores, bool keepData, CancellationToken cancellationToken)
    {
        Console.WriteLine($"# Tollgate bill run ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        var table = new Table("store", "customers", "events", "setup s", "bill run s", "invoices/s", "paid", "total billed");
        var failed = false;
        foreach (var store in stores.Stores)
        {
            var postgres = store == StoreSettings.Postgres ? new PostgresServer(stores.PostgresUrl!) : null;
            var schema = postgres is null ? null : PostgresServer.NewSchema();
            var directory = Repository.NewDataDirectory("billrun");
            var clock = new FakeTimeProvider(Start);
            var app = TollgateHost.Build(
                new TollgateOptions
                {
                    DataDirectory = directory,
                    DatabaseUrl = schema is null ? null : postgres!.UrlFor(schema),
                    ProxyListen = "127.0.0.1:0",
                    AdminListen = "127.0.0.1:0",
                    ConsoleListen = "127.0.0.1:0",
                    MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
                },
                services =>
                {
                    services.AddSingleton<TimeProvider>(clock);

                    // One bill run, timed alone: the background biller would start its own on the same data.
                    var biller = services.Single(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType?.Name == "Biller");
                    services.Remove(biller);
                });
            await app.StartAsync(cancellationToken);
            try
            {
                using var admin = new HttpClient { BaseAddress = app.Services.GetRequiredService<ListenerEndpoints>().Url(Listener.Admin), Timeout = TimeSpan.FromMinutes(5) };
                var setup = Stopwatch.StartNew();
                var expected = await SeedAsync(admin, customers, eventsPerCustomer, cancellationToken);
                setup.Stop();

                // The period ended an hour and a second ago: every customer is due.
                clock.SetUtcNow(Start.AddMonths(1).AddHours(1).AddSeconds(1));
                var run = Stopwatch.StartNew();
                var result = await app.Services.GetRequiredService<BillRun>().RunAsync(cancellationToken);
                run.Stop();

                var state = app.Services.GetRequiredService<BillingRepository>().Current;
                var invoices = state.All(Invoice.Kind).Where(i => i.Status != InvoiceStatus.Gathering).ToList();
                var paid = invoices.Count(i => i.Status == InvoiceStatus.Paid);
                var billed = invoices.Sum(i => i.Totals.Total);
                failed |= paid != customers || invoices.Count != customers || billed != expected || result.Drafts != customers;
                table.Add(
                    store,
                    customers.ToString("N0", CultureInfo.InvariantCulture),
                    ((long)customers * eventsPerCustomer).ToString("N0", CultureInfo.InvariantCulture),
                    setup.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                    run.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                    (customers / run.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
                    paid.ToString("N0", CultureInfo.InvariantCulture),
                    $"{billed.ToString("0.00", CultureInfo.InvariantCulture)} (expected {expected.ToString("0.00", CultureInfo.InvariantCulture)})");
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                if (!keepData)
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(directory, recursive: true);
                    if (postgres is not null)
                    {
                        await postgres.DropSchemaAsync(schema!);
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("Setup: a tokens meter, a feature, a plan (usage at 0.0001 per token, P1M) and, per customer, a customer and a subscription over the admin API (8 connections), then the month's events in batches of 1,000.");
        Console.WriteLine("Bill run: one BillRun from the period's end + PT1H: drafts for every customer (one meter query each), the sandbox app, INV numbers, paid.");
        Console.WriteLine();
        Console.Write(table);
        return failed ? 1 : 0;
    }

    /// <summary>Creates the catalog, customers, subscriptions and usage; returns what the invoices must add up to.</summary>
    private static async Task<decimal> SeedAsync(HttpClient admin, int customers, int eventsPerCustomer, CancellationToken cancellationToken)
    {
        await PostAsync(admin, "/api/v1/meters", """{"slug":"tokens_total","name":"Tokens","aggregation":"SUM","eventType":"prompt","valueProperty":"$.tokens"}""", cancellationToken);
        await PostAsync(admin, "/api/v1/features", """{"key":"ai_token","name":"ai-token","meterSlug":"tokens_total"}""", cancellationToken);
        var plan = await PostAsync(admin, "/api/v1/plans", """
            {"key":"usage","name":"Usage","currency":"USD","billingCadence":"P1M","phases":[{"key":"default","name":"Default","rateCards":[
              {"type":"usage_based","key":"ai_token","name":"ai-token","featureKey":"ai_token","billingCadence":"P1M","price":{"type":"unit","amount":"0.0001"}}]}]}
            """, cancellationToken);
        await PostAsync(admin, $"/api/v1/plans/{plan.GetProperty("id").GetString()}/publish", "{}", cancellationToken);

        await Parallel.ForEachAsync(Enumerable.Range(0, customers), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var key = Key(index);
            await PostAsync(admin, "/api/v1/customers", $$"""{"name":"Customer {{index}}","key":"{{key}}","usageAttribution":{"subjectKeys":["{{key}}"]} }""", token);
            await PostAsync(admin, "/api/v1/subscriptions", $$"""{"customerKey":"{{key}}","plan":{"key":"usage"},"timing":"immediate"}""", token);
        });

        // Customer i uses (i % 97 + 1) × 10 tokens per event, spread over the month: a month of usage, all different.
        var expected = 0m;
        var events = Enumerable.Range(0, customers).SelectMany(index => Enumerable.Range(0, eventsPerCustomer).Select(e => (index, e))).ToList();
        for (var index = 0; index < customers; index++)
        {
            expected += Math.Round((index % 97 + 1) * 10m * eventsPerCustomer * 0.0001m, 2, MidpointRounding.AwayFromZero);
        }

        await Parallel.ForEachAsync(events.Chunk(1_000), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, token) =>
        {
            var batch = new StringBuilder("[");
            foreach (var (index, e) in chunk)
            {
                var at = Start.AddSeconds(((e * 30L * 86_400) / eventsPerCustomer) + (index % 3_600));
                batch.Append(batch.Length > 1 ? "," : "").Append(CultureInfo.InvariantCulture, $$"""
                    {"specversion":"1.0","id":"{{index}}-{{e}}","source":"bench","type":"prompt","subject":"{{Key(index)}}","time":"{{at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}","data":{"tokens":{{(index % 97 + 1) * 10}}} }
                    """);
            }

            using var content = new StringContent(batch.Append(']').ToString(), Encoding.UTF8, "application/cloudevents-batch+json");
            using var response = await admin.PostAsync("/api/v1/events", content, token);
            response.EnsureSuccessStatusCode();
        });
        return expected;
    }

    private static string Key(int index) => "c" + index.ToString("D6", CultureInfo.InvariantCulture);

    private static async Task<JsonElement> PostAsync(HttpClient admin, string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync(path, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }
}
