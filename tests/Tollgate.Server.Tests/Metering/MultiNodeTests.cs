using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

/// <summary>Several Tollgate nodes on one PostgreSQL database: one product, however many processes serve it.</summary>
public sealed class MultiNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<decimal> TotalAsync(HttpClient admin, string meter, string query = "")
    {
        using var document = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/meters/{meter}/query{query}", Ct));
        return document.RootElement.GetProperty("data").EnumerateArray().Sum(row => row.GetProperty("value").GetDecimal());
    }

    /// <summary>The total, or null while the node does not know the meter yet.</summary>
    private static async Task<decimal?> TryTotalAsync(HttpClient admin, string meter, string query)
    {
        using var response = await admin.GetAsync($"/api/v1/meters/{meter}", Ct);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await TotalAsync(admin, meter, query);
    }

    private static StringContent Json(string json, string contentType = "application/cloudevents-batch+json") =>
        new(json, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType));

    [Fact]
    public async Task Two_nodes_count_every_event_once_and_see_each_others_meters_without_a_restart()
    {
        var database = TestStore.Postgres.NewDatabaseUrl();
        await using var a = await TollgateServer.StartAsync(databaseUrl: database);
        await using var b = await TollgateServer.StartAsync(databaseUrl: database);

        // A meter created on one node is served by the other without a restart. Node b writes nothing, so only its
        // refresher (a poll every 250 ms) can bring the meter: a fraction of a second on an idle machine, printed
        // below. The bound gives a loaded test machine twenty polls; it is not a latency measurement.
        await CreateMeterAsync(a, TokensMeter);
        var clock = Stopwatch.StartNew();
        while ((await b.GetAsync("/api/v1/meters/tokens_total")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "node b never saw the meter created on node a");
            await Task.Delay(20, Ct);
        }

        var seen = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"meter created on a was served by b after {seen.TotalMilliseconds:0} ms");
        Assert.True(seen < TimeSpan.FromSeconds(5), $"node b took {seen.TotalMilliseconds:0} ms to see the new meter");

        // Both nodes ingest at once; every batch also repeats ten events the other node is sending.
        var sends = new List<Task<HttpResponseMessage>>();
        for (var n = 0; n < 20; n++)
        {
            foreach (var (node, name) in new[] { (a, "a"), (b, "b") })
            {
                var own = Enumerable.Range(0, 40).Select(j => Event($"{name}-{n}-{j}", $"customer-{j % 7}", "2024-01-01T10:00:00Z", Tokens(j + 1)));
                var shared = Enumerable.Range(0, 10).Select(j => Event($"shared-{n}-{j}", "customer-shared", "2024-01-01T10:00:00Z", Tokens(1000)));
                sends.Add(node.PostJsonAsync("/api/v1/events", Batch(own.Concat(shared)), "application/cloudevents-batch+json"));
            }
        }

        foreach (var response in await Task.WhenAll(sends))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            response.Dispose();
        }

        // 20 rounds × 2 nodes × (1 + … + 40) tokens of their own, and 20 × 10 shared events of 1,000 counted once.
        var expected = (20m * 2 * (40 * 41 / 2)) + (20m * 10 * 1000);
        var range = "?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z";
        Assert.Equal(expected, await TotalAsync(a.Admin, "tokens_total", range));
        Assert.Equal(expected, await TotalAsync(b.Admin, "tokens_total", range));
        Assert.Equal(20m * 10 * 1000, await TotalAsync(b.Admin, "tokens_total", range + "&subject=customer-shared"));

        // A meter created after the events, on the other node, is rebuilt once and agrees on both.
        await CreateMeterAsync(b, """{"slug":"calls","aggregation":"COUNT","eventType":"prompt"}""");
        var events = (20 * 2 * 40) + (20 * 10);
        for (var attempt = 0; await TryTotalAsync(a.Admin, "calls", range) != events; attempt++)
        {
            Assert.True(attempt < 1500, "the rebuild of the new meter did not finish");
            await Task.Delay(20, Ct);
        }

        Assert.Equal(events, await TotalAsync(b.Admin, "calls", range));
    }

    [Fact]
    public async Task A_rebuild_a_node_leaves_half_done_is_finished_by_another_node()
    {
        var database = TestStore.Postgres.NewDatabaseUrl();
        var slow = new Tollgate.Metering.Ingest.IngestOptions { RebuildChunk = 10 };
        await using var a = await TollgateServer.StartAsync(ingest: slow, databaseUrl: database);
        foreach (var chunk in Enumerable.Range(0, 2000).Chunk(500))
        {
            await IngestAsync(a, Batch(chunk.Select(i => Event($"e{i}", "acme", "2024-01-01T10:00:00Z", Tokens(i)))));
        }

        // The meter is created on a, which starts rebuilding it 10 events a step, and goes away a few steps in.
        await CreateMeterAsync(a, TokensMeter);
        var progress = 0L;
        while (progress < 50)
        {
            progress = await a.CountAsync("SELECT built_through_seq FROM meters WHERE slug = 'tokens_total'");
            await Task.Delay(5, Ct);
        }

        await a.StopAsync();
        var left = await ReadyAsync(database);
        Assert.False(left.Ready, "the rebuild should still have been under way when the node went");

        // Another node picks the rebuild up from the stored progress and ends with exact totals.
        await using var b = await TollgateServer.StartAsync(ingest: slow, databaseUrl: database);
        // The last step finds no events left and marks the meter current; totals are exact from then on.
        for (var attempt = 0; !(await ReadyAsync(database)).Ready; attempt++)
        {
            Assert.True(attempt < 1500, "the other node did not finish the rebuild");
            await Task.Delay(20, Ct);
        }

        Assert.Equal(Enumerable.Range(0, 2000).Sum(), await TryTotalAsync(b.Admin, "tokens_total", "?from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z"));
        TestContext.Current.TestOutputHelper?.WriteLine($"node a left the rebuild at seq {left.BuiltThrough} of 2000");
    }

    private static async Task<(bool Ready, long BuiltThrough)> ReadyAsync(string? database)
    {
        await using var connection = TestStore.Open(string.Empty, database);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ready, built_through_seq FROM meters WHERE slug = 'tokens_total'";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetInt64(0) != 0, reader.GetInt64(1));
    }

    [Fact]
    public async Task Kill_9_of_one_node_during_ingest_loses_nothing_it_acknowledged_and_the_other_keeps_serving()
    {
        var database = TestStore.Postgres.NewDatabaseUrl();
        await using var survivor = await TollgateServer.StartAsync(databaseUrl: database);
        await CreateMeterAsync(survivor, """{"slug":"calls","aggregation":"COUNT","eventType":"prompt"}""");
        var acknowledged = new ConcurrentBag<string>();
        var victim = await TollgateProcess.StartAsync(TollgateServer.NewDataDirectory(), database);
        await using (victim)
        {
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
            {
                var client = worker % 2 == 0 ? victim.Admin : survivor.Admin;
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var ids = Enumerable.Range(0, 50).Select(j => $"w{worker}-{n}-{j}").ToArray();
                    try
                    {
                        using var response = await client.PostAsync("/api/v1/events", Json(Batch(ids.Select(id => Event(id, $"customer-{worker}", "2024-01-01T10:00:00Z", Tokens(1))))), CancellationToken.None);
                        if (response.StatusCode == HttpStatusCode.NoContent)
                        {
                            foreach (var id in ids)
                            {
                                acknowledged.Add(id);
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        if (client == victim.Admin)
                        {
                            return;
                        }
                    }
                }
            }, CancellationToken.None)).ToArray();

            while (acknowledged.Count < 4000)
            {
                await Task.Delay(20, Ct);
            }

            victim.Kill();
            await Task.Delay(300, Ct);
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        // Everything either node acknowledged is counted, once; the survivor went on serving throughout.
        var stored = await survivor.CountAsync("SELECT COUNT(*) FROM events");
        var expected = acknowledged.Distinct().ToHashSet();
        Assert.Equal(expected.Count, await survivor.CountAsync("SELECT COUNT(*) FROM events WHERE id = ANY(@ids)", ("@ids", expected.ToArray())));
        Assert.Equal(stored, (long)await TotalAsync(survivor.Admin, "calls"));
        TestContext.Current.TestOutputHelper?.WriteLine($"acknowledged {expected.Count} events across both nodes before kill -9 of one; {stored} stored");

        await IngestAsync(survivor, Batch([Event("after", "customer-0", "2024-01-01T10:00:00Z", Tokens(1))]));
        Assert.Equal(stored + 1, (long)await TotalAsync(survivor.Admin, "calls"));
    }
}
