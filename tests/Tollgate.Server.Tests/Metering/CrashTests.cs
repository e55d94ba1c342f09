using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

public abstract class CrashTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_event_acknowledged_before_kill_9_is_stored_exactly_once_and_counted_once()
    {
        var directory = TollgateServer.NewDataDirectory();
        var database = store.NewDatabaseUrl();
        var acknowledged = new ConcurrentDictionary<string, string>();
        await using (var server = await TollgateProcess.StartAsync(directory, database))
        {
            using var meter = await server.Admin.PostAsync("/api/v1/meters", Json("""{"slug":"calls","aggregation":"COUNT","eventType":"prompt"}""", "application/json"), Ct);
            Assert.Equal(HttpStatusCode.Created, meter.StatusCode);

            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var ids = Enumerable.Range(0, 50).Select(j => $"w{worker}-{n}-{j}").ToArray();
                    var batch = Batch(ids.Select(id => Event(id, $"customer-{worker}", "2024-01-01T10:00:00Z", Tokens(1))));
                    try
                    {
                        using var response = await server.Admin.PostAsync("/api/v1/events", Json(batch, "application/cloudevents-batch+json"), CancellationToken.None);
                        if (response.StatusCode == HttpStatusCode.NoContent)
                        {
                            acknowledged[string.Join(',', ids)] = batch;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            }, CancellationToken.None)).ToArray();

            while (acknowledged.Count < 40)
            {
                await Task.Delay(20, Ct);
            }

            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        await using var restarted = await TollgateProcess.StartAsync(directory, database);
        var stored = await AllEventIdsAsync(restarted);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        var expected = acknowledged.Keys.SelectMany(k => k.Split(',')).ToHashSet();
        Assert.Empty(expected.Except(stored));
        Assert.Equal(stored.Count, await CountAsync(restarted));
        TestContext.Current.TestOutputHelper?.WriteLine($"acknowledged {expected.Count} events before kill -9; {stored.Count} stored");

        // A client that never saw its 204s retries everything: nothing is counted twice.
        foreach (var batch in acknowledged.Values)
        {
            using var response = await restarted.Admin.PostAsync("/api/v1/events", Json(batch, "application/cloudevents-batch+json"), Ct);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal(stored.Count, await CountAsync(restarted));
    }

    private static async Task<List<string>> AllEventIdsAsync(TollgateProcess server)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var url = "/api/v2/events?limit=100" + (cursor is null ? string.Empty : "&cursor=" + Escape(cursor));
            using var page = JsonDocument.Parse(await server.Admin.GetStringAsync(url, Ct));
            ids.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("event").GetProperty("id").GetString()!));
            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        return ids;
    }

    private static async Task<int> CountAsync(TollgateProcess server)
    {
        using var result = JsonDocument.Parse(await server.Admin.GetStringAsync("/api/v1/meters/calls/query", Ct));
        return result.RootElement.GetProperty("data").EnumerateArray().Sum(row => row.GetProperty("value").GetInt32());
    }

    private static StringContent Json(string json, string contentType) => new(json, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType));
}

public sealed class CrashTestsOnSqlite() : CrashTests(TestStore.Sqlite);

public sealed class CrashTestsOnPostgres() : CrashTests(TestStore.Postgres);
