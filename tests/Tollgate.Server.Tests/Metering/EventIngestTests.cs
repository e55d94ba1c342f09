using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Metering.Ingest;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

public abstract class EventIngestTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<decimal> TotalAsync(TollgateServer server, string meter = "tokens_total", string query = "")
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{meter}/query{query}"));
        return document.RootElement.GetProperty("data").EnumerateArray().Sum(row => row.GetProperty("value").GetDecimal());
    }

    [Theory]
    [InlineData("application/cloudevents+json", false)]
    [InlineData("application/cloudevents-batch+json", true)]
    [InlineData("application/json", false)]
    [InlineData("application/json", true)]
    [InlineData("application/cloudevents-batch+json; charset=utf-8", true)]
    public async Task Accepts_every_cloudevents_content_type_with_204(string contentType, bool batch)
    {
        await using var server = await store.StartAsync();
        await CreateMeterAsync(server, TokensMeter);
        var one = Event("e1", "acme", "2024-01-01T10:00:00Z", Tokens(5));
        using var response = await server.PostJsonAsync("/api/v1/events", batch ? Batch([one]) : one, contentType);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(5m, await TotalAsync(server));
    }

    [Fact]
    public async Task The_same_source_and_id_counts_once_even_across_requests_and_restarts()
    {
        await using var first = await store.StartAsync(TollgateServer.NewDataDirectory());
        await CreateMeterAsync(first, TokensMeter);
        var e = Event("dup", "acme", "2024-01-01T10:00:00Z", Tokens(7));
        await IngestAsync(first, Batch([e, e]));
        await IngestAsync(first, Batch([e]));

        // Same id from another source is another event.
        await IngestAsync(first, Batch([Event("dup", "acme", "2024-01-01T10:00:00Z", Tokens(7), source: "other")]));
        Assert.Equal(14m, await TotalAsync(first));

        await using var second = await first.RestartAsync();
        await IngestAsync(second, Batch([e]));
        Assert.Equal(14m, await TotalAsync(second));
    }

    [Fact]
    public async Task A_known_id_with_a_different_payload_is_kept_out_and_the_first_stays()
    {
        await using var server = await store.StartAsync();
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([Event("x", "acme", "2024-01-01T10:00:00Z", Tokens(7))]));
        await IngestAsync(server, Batch([Event("x", "acme", "2024-01-01T10:00:00Z", Tokens(700))]));
        Assert.Equal(7m, await TotalAsync(server));

        using var events = JsonDocument.Parse(await server.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z"));
        var listed = Assert.Single(events.RootElement.EnumerateArray());
        Assert.Equal(7, listed.GetProperty("event").GetProperty("data").GetProperty("tokens").GetInt32());

        await using var connection = TestStore.Open(server.DataDirectory, server.DatabaseUrl);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM event_conflicts WHERE source = 'test' AND id = 'x'";
        Assert.Equal("""{"tokens":700,"model":"gpt-4","type":"input"}""", await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task A_batch_with_one_bad_event_is_refused_whole_with_a_problem_naming_the_field()
    {
        await using var server = await store.StartAsync();
        await CreateMeterAsync(server, TokensMeter);
        var good = Event("g", "acme", "2024-01-01T10:00:00Z", Tokens(1));
        var bad = """{"specversion":"1.0","id":"b","source":"test","type":"prompt","time":"2024-01-01T10:00:00Z","data":{}}""";
        using var response = await server.PostJsonAsync("/api/v1/events", Batch([good, bad]), "application/cloudevents-batch+json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("[1].subject: is required", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal("is required", problem.RootElement.GetProperty("errors").GetProperty("[1].subject")[0].GetString());

        Assert.Equal("[]", await server.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z"));
        Assert.Equal(0m, await TotalAsync(server));
    }

    [Theory]
    [InlineData("application/json", "{not json", 400, "$: the body is not valid JSON (line 1, byte 2)")]
    [InlineData("text/plain", "{}", 415, "Content-Type must be application/cloudevents+json, application/cloudevents-batch+json or application/json, got \"text/plain\"")]
    [InlineData("application/cloudevents+json", "[]", 400, "$: must be a single CloudEvent object for application/cloudevents+json; send batches as application/cloudevents-batch+json")]
    public async Task Malformed_requests_get_a_problem_and_store_nothing(string contentType, string body, int status, string detail)
    {
        await using var server = await store.StartAsync();
        using var response = await server.PostJsonAsync("/api/v1/events", body, contentType);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(detail, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal("[]", await server.GetStringAsync("/api/v1/events?from=2000-01-01T00:00:00Z"));
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_stores_nothing_of_that_request()
    {
        await using var server = await store.StartAsync(ingest: new IngestOptions { QueueCapacity = 1 });
        await CreateMeterAsync(server, TokensMeter);
        var writer = server.App.Services.GetRequiredService<MeteringWriter>();

        Task<HttpResponseMessage> queued;
        using (writer.Pause())
        {
            queued = server.PostJsonAsync("/api/v1/events", Batch([Event("a", "acme", "2024-01-01T10:00:00Z", Tokens(1))]), "application/cloudevents-batch+json");
            await WaitUntilAsync(() => server.App.Services.GetRequiredService<EventIngestor>().Queued == 1);

            using var refused = await server.PostJsonAsync("/api/v1/events", Batch([Event("b", "acme", "2024-01-01T10:00:00Z", Tokens(10))]), "application/cloudevents-batch+json");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.False(queued.IsCompleted, "the queued request must not be acknowledged before its commit");
        }

        using var accepted = await queued;
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        Assert.Equal(1m, await TotalAsync(server));
    }

    [Fact]
    public async Task A_rebuild_advances_between_commits_while_ingest_keeps_the_queue_full()
    {
        // One event per commit and ten per rebuild step: the 200 events stored before the meter existed take
        // about 25 steps to count, and 200 ingest requests are already queued behind the meter's creation: enough
        // that, when the 45th is answered, a loaded machine has not yet committed the 155 behind it.
        await using var server = await store.StartAsync(ingest: new IngestOptions { MaxEventsPerCommit = 1, RebuildChunk = 10 });
        await IngestAsync(server, Batch(Enumerable.Range(0, 200).Select(i => Event($"old-{i}", "acme", "2024-01-01T10:00:00Z", Tokens(1)))));
        var writer = server.App.Services.GetRequiredService<MeteringWriter>();
        var ingestor = server.App.Services.GetRequiredService<EventIngestor>();
        var catalog = server.App.Services.GetRequiredService<Tollgate.Metering.Meters.MeterCatalog>();

        Task created;
        var live = new List<Task<HttpResponseMessage>>();
        using (writer.Pause())
        {
            created = CreateMeterAsync(server, TokensMeter);
            await WaitUntilAsync(() => ingestor.Queued == 1);
            for (var i = 0; i < 200; i++)
            {
                live.Add(server.PostJsonAsync("/api/v1/events", Batch([Event($"live-{i}", "acme", "2024-01-01T10:00:00Z", Tokens(1))]), "application/cloudevents-batch+json"));
                await WaitUntilAsync(() => ingestor.Queued == i + 2);
            }
        }

        await created;
        using (await live[44])
        {
            // Had the rebuild waited for an idle queue, 155 requests would still be ahead of it here.
            Assert.True(catalog.Current.Find("tokens_total")?.Meter.Ready, "the rebuild must finish between commits, not wait for an idle queue");
            Assert.True(ingestor.Queued > 0, "the queue must not have drained yet for this test to mean anything");
        }

        foreach (var response in await Task.WhenAll(live))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(400m, await TotalAsync(server));
    }

    [Fact]
    public async Task Graceful_shutdown_commits_everything_it_acknowledged()
    {
        var directory = TollgateServer.NewDataDirectory();
        var server = await store.StartAsync(directory);
        await CreateMeterAsync(server, TokensMeter);
        var sends = Enumerable.Range(0, 20).Select(i => server.PostJsonAsync("/api/v1/events",
            Batch(Enumerable.Range(0, 50).Select(j => Event($"{i}-{j}", "acme", "2024-01-01T10:00:00Z", Tokens(1)))),
            "application/cloudevents-batch+json")).ToArray();
        var responses = await Task.WhenAll(sends);
        var stop = server.StopAsync();
        await stop;
        var acknowledged = responses.Count(r => r.StatusCode == HttpStatusCode.NoContent) * 50;

        await using var restarted = await TollgateServer.StartAsync(directory, databaseUrl: server.DatabaseUrl);
        Assert.Equal(1000, acknowledged);
        Assert.Equal(1000m, await TotalAsync(restarted));
    }

    [Fact]
    public async Task Listing_shows_events_newest_first_with_the_reason_a_meter_could_not_count_them()
    {
        await using var server = await store.StartAsync();
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([
            Event("ok", "acme", "2024-01-01T10:00:00Z", Tokens(3)),
            Event("bad", "beta", "2024-01-01T11:00:00Z", """{"tokens":"many"}"""),
        ]));

        using var list = JsonDocument.Parse(await server.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z"));
        var items = list.RootElement.EnumerateArray().ToArray();
        Assert.Equal(["bad", "ok"], items.Select(i => i.GetProperty("event").GetProperty("id").GetString()));
        Assert.Equal("meter tokens_total: value property $.tokens must be a number or a numeric string, got \"many\"", items[0].GetProperty("validationError").GetString());
        Assert.False(items[1].TryGetProperty("validationError", out _));
        Assert.Equal("2024-01-01T10:00:00Z", items[1].GetProperty("event").GetProperty("time").GetString());
        Assert.Equal("1.0", items[1].GetProperty("event").GetProperty("specversion").GetString());

        using var bySubject = JsonDocument.Parse(await server.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z&subject=bet"));
        Assert.Equal("bad", Assert.Single(bySubject.RootElement.EnumerateArray()).GetProperty("event").GetProperty("id").GetString());

        using var limited = JsonDocument.Parse(await server.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z&limit=1"));
        Assert.Single(limited.RootElement.EnumerateArray());

        using var badLimit = await server.GetAsync("/api/v1/events?limit=1000");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task V2_listing_pages_with_a_cursor_and_filters()
    {
        await using var server = await store.StartAsync();
        await IngestAsync(server, Batch(Enumerable.Range(0, 5).Select(i => Event($"e{i}", i % 2 == 0 ? "even" : "odd", $"2024-01-01T10:0{i}:00Z", Tokens(i)))));

        var ids = new List<string>();
        string? cursor = null;
        do
        {
            using var page = JsonDocument.Parse(await server.GetStringAsync("/api/v2/events?limit=2" + (cursor is null ? string.Empty : "&cursor=" + Escape(cursor))));
            ids.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("event").GetProperty("id").GetString()!));
            cursor = page.RootElement.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(["e4", "e3", "e2", "e1", "e0"], ids);

        using var even = JsonDocument.Parse(await server.GetStringAsync("/api/v2/events?filter[subject][$eq]=even&filter[time][$gte]=2024-01-01T10:01:00Z"));
        Assert.Equal(["e4", "e2"], even.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("event").GetProperty("id").GetString()));

        using var unsupported = await server.GetAsync("/api/v2/events?filter[subject][$like]=e%25");
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1200 && !condition(); i++)
        {
            await Task.Delay(25, Ct);
        }

        Assert.True(condition(), "condition not reached within 30 s");
    }
}

public sealed class EventIngestTestsOnSqlite() : EventIngestTests(TestStore.Sqlite);

public sealed class EventIngestTestsOnPostgres() : EventIngestTests(TestStore.Postgres);
