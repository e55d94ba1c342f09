using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

/// <summary>
/// Live events write only minute rollups; hours and days are compacted once closed. Every answer must be
/// the same before and after compaction, and events arriving late for a compacted hour must still count.
/// </summary>
public abstract class RollupCompactionTests(TestStore store)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset T(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private static async Task<string[]> ValuesAsync(TollgateServer server, string query, string meter = "tokens_total")
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/{meter}/query{query}"));
        return [.. document.RootElement.GetProperty("data").EnumerateArray()
            .Select(row => $"{row.GetProperty("windowStart").GetString()}|{row.GetProperty("subject").GetString() ?? "-"}|{row.GetProperty("value").GetRawText()}")];
    }

    private static async Task<string[]> StringsAsync(TollgateServer server, string path) =>
        JsonSerializer.Deserialize<string[]>(await server.GetStringAsync(path)) ?? [];

    private static async Task<RollupCoverage> CoverageWhenAsync(TollgateServer server, Func<RollupCoverage, bool> reached)
    {
        var store = server.App.Services.GetRequiredService<IMeteringStore>();
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            var coverage = await store.ReadCoverageAsync(Ct);
            if (reached(coverage))
            {
                return coverage;
            }

            await Task.Delay(25, Ct);
        }

        throw new TimeoutException("compaction did not advance the coverage");
    }

    private static Task<long> CountRowsAsync(TollgateServer server, RollupLevel level, string bucket, string? meter = null) => server.CountAsync(
        """
        SELECT COUNT(*) FROM meter_rollups
        WHERE level = @level AND bucket_start = @bucket
            AND meter_num IN (SELECT num FROM meters WHERE deleted_at IS NULL AND (slug = @slug OR @any = 1))
        """,
        ("@level", (long)level), ("@bucket", T(bucket).UtcTicks), ("@slug", meter ?? string.Empty), ("@any", meter is null ? 1L : 0L));

    [Fact]
    public async Task Hours_and_days_compact_after_they_close_and_every_answer_stays_the_same()
    {
        var clock = new FakeTimeProvider(T("2026-03-10T10:20:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([
            Event("old", "acme", "2026-03-09T08:00:00Z", Tokens(1)),
            Event("a", "acme", "2026-03-10T10:05:00Z", Tokens(10)),
            Event("b", "beta", "2026-03-10T10:06:30Z", Tokens(20)),
            Event("c", "acme", "2026-03-10T10:19:00Z", """{"tokens":"0.25","model":"gpt-4","type":"input"}"""),
        ]));

        // Yesterday was complete at start, so the late event wrote every level; this hour is minutes only.
        Assert.Equal(1, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-09T08:00:00Z"));
        Assert.Equal(1, await CountRowsAsync(server, RollupLevel.Day, "2026-03-09T00:00:00Z"));
        Assert.Equal(0, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T10:00:00Z"));
        Assert.Equal(0, await CountRowsAsync(server, RollupLevel.Day, "2026-03-10T00:00:00Z"));

        var month = Query(("from", "2026-03-01T00:00:00Z"), ("to", "2026-04-01T00:00:00Z"), ("groupBy", "subject"));
        var hourly = Query(("from", "2026-03-10T09:00:00Z"), ("to", "2026-03-10T12:00:00Z"), ("windowSize", "HOUR"));
        var daily = Query(("from", "2026-03-09T00:00:00Z"), ("to", "2026-03-11T00:00:00Z"), ("windowSize", "DAY"));
        string[] monthly = ["2026-03-01T00:00:00Z|acme|11.25", "2026-03-01T00:00:00Z|beta|20"];
        Assert.Equal(monthly, await ValuesAsync(server, month));
        Assert.Equal(["2026-03-10T10:00:00Z|-|30.25"], await ValuesAsync(server, hourly));
        Assert.Equal(["2026-03-09T00:00:00Z|-|1", "2026-03-10T00:00:00Z|-|30.25"], await ValuesAsync(server, daily));

        // 10:00-11:00 closes; one minute later the writer folds its minutes into hour rows.
        clock.SetUtcNow(T("2026-03-10T11:01:30Z"));
        var coverage = await CoverageWhenAsync(server, c => c.HoursBefore >= T("2026-03-10T11:00:00Z").UtcTicks);
        Assert.Equal(T("2026-03-10T11:00:00Z").UtcTicks, coverage.HoursBefore);
        Assert.Equal(T("2026-03-10T00:00:00Z").UtcTicks, coverage.DaysBefore);
        Assert.Equal(2, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T10:00:00Z"));
        Assert.Equal(monthly, await ValuesAsync(server, month));
        Assert.Equal(["2026-03-10T10:00:00Z|-|30.25"], await ValuesAsync(server, hourly));

        // A late event for the compacted hour updates its hour row directly, and a live one stays in minutes.
        await IngestAsync(server, Batch([
            Event("late", "beta", "2026-03-10T10:45:00Z", Tokens(5)),
            Event("live", "beta", "2026-03-10T11:01:00Z", Tokens(100)),
        ]));
        Assert.Equal(2, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T10:00:00Z"));
        Assert.Equal(0, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T11:00:00Z"));
        Assert.Equal(["2026-03-10T10:00:00Z|-|35.25", "2026-03-10T11:00:00Z|-|100"], await ValuesAsync(server, hourly));

        // Past midnight, the empty hours are skipped, 11:00 is compacted, and then the whole day.
        clock.SetUtcNow(T("2026-03-11T00:02:00Z"));
        coverage = await CoverageWhenAsync(server, c => c.DaysBefore >= T("2026-03-11T00:00:00Z").UtcTicks);
        Assert.Equal(T("2026-03-11T00:00:00Z").UtcTicks, coverage.HoursBefore);
        Assert.Equal(1, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T11:00:00Z"));
        Assert.Equal(2, await CountRowsAsync(server, RollupLevel.Day, "2026-03-10T00:00:00Z"));
        Assert.Equal(["2026-03-01T00:00:00Z|acme|11.25", "2026-03-01T00:00:00Z|beta|125"], await ValuesAsync(server, month));
        Assert.Equal(["2026-03-09T00:00:00Z|-|1", "2026-03-10T00:00:00Z|-|135.25"], await ValuesAsync(server, daily));
        Assert.Equal(["acme", "beta"], await StringsAsync(server, "/api/v1/meters/tokens_total/subjects"));

        // The coverage is stored: after a restart nothing is compacted twice.
        await using var restarted = await server.RestartAsync(clock);
        Assert.Equal(coverage, await restarted.App.Services.GetRequiredService<IMeteringStore>().ReadCoverageAsync(Ct));
        Assert.Equal(["2026-03-01T00:00:00Z|acme|11.25", "2026-03-01T00:00:00Z|beta|125"], await ValuesAsync(restarted, month));
    }

    [Fact]
    public async Task An_hour_begun_before_a_restart_or_a_rebuild_is_compacted_from_the_stored_minutes()
    {
        var clock = new FakeTimeProvider(T("2026-03-10T09:20:00Z"));
        var first = await store.StartAsync(time: clock);
        await CreateMeterAsync(first, TokensMeter);
        await CreateMeterAsync(first, """{"slug":"calls","aggregation":"COUNT","eventType":"prompt"}""");
        await IngestAsync(first, Batch([Event("x", "acme", "2026-03-10T09:30:00Z", Tokens(1000))]));

        // 09:00 is compacted by the first process, so what the second holds for the day misses it.
        clock.SetUtcNow(T("2026-03-10T10:20:00Z"));
        await CoverageWhenAsync(first, c => c.HoursBefore >= T("2026-03-10T10:00:00Z").UtcTicks);
        await IngestAsync(first, Batch([Event("a", "acme", "2026-03-10T10:05:00Z", Tokens(10))]));

        // The new process holds only part of 10:00 in memory, so that hour must be read back from the store.
        await using var server = await first.RestartAsync(clock);
        await IngestAsync(server, Batch([
            Event("b", "acme", "2026-03-10T10:30:00Z", Tokens(20)),
            Event("c", "acme", "2026-03-10T11:10:00Z", Tokens(5, type: "output")),
        ]));
        clock.SetUtcNow(T("2026-03-10T12:05:00Z"));
        await CoverageWhenAsync(server, c => c.HoursBefore >= T("2026-03-10T12:00:00Z").UtcTicks);
        var tokens = Query(("from", "2026-03-10T10:00:00Z"), ("to", "2026-03-10T13:00:00Z"), ("windowSize", "HOUR"), ("groupBy", "subject"));
        var calls = Query(("from", "2026-03-10T10:00:00Z"), ("to", "2026-03-10T13:00:00Z"), ("windowSize", "HOUR"));
        Assert.Equal(["2026-03-10T10:00:00Z|acme|30", "2026-03-10T11:00:00Z|acme|5"], await ValuesAsync(server, tokens));
        Assert.Equal(["2026-03-10T10:00:00Z|-|2", "2026-03-10T11:00:00Z|-|1"], await ValuesAsync(server, calls, "calls"));

        // Regrouping one meter clears and rebuilds its rollups; what memory held for the other meter in the open
        // hour is dropped with it, so that hour is read back from the store too.
        await IngestAsync(server, Batch([Event("d", "beta", "2026-03-10T12:10:00Z", Tokens(7))]));
        using (var update = new HttpRequestMessage(HttpMethod.Put, "/api/v1/meters/tokens_total")
        {
            Content = new StringContent("""{"groupBy":{"type":"$.type"}}""", System.Text.Encoding.UTF8, "application/json"),
        })
        {
            (await server.Admin.SendAsync(update, Ct)).EnsureSuccessStatusCode();
        }

        var catalog = server.App.Services.GetRequiredService<Tollgate.Metering.Meters.MeterCatalog>();
        for (var attempt = 0; catalog.Current.Find("tokens_total")?.Meter.Ready != true; attempt++)
        {
            Assert.True(attempt < 1200, "the rebuild did not finish");
            await Task.Delay(25, Ct);
        }

        await IngestAsync(server, Batch([Event("e", "beta", "2026-03-10T12:20:00Z", Tokens(100, type: "output"))]));
        clock.SetUtcNow(T("2026-03-10T13:05:00Z"));
        await CoverageWhenAsync(server, c => c.HoursBefore >= T("2026-03-10T13:00:00Z").UtcTicks);
        Assert.Equal(1, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T10:00:00Z", "calls"));
        Assert.Equal(2, await CountRowsAsync(server, RollupLevel.Hour, "2026-03-10T12:00:00Z", "tokens_total"));
        Assert.Equal(["2026-03-10T10:00:00Z|acme|30", "2026-03-10T11:00:00Z|acme|5", "2026-03-10T12:00:00Z|beta|107"], await ValuesAsync(server, tokens));
        Assert.Equal(["2026-03-10T10:00:00Z|-|2", "2026-03-10T11:00:00Z|-|1", "2026-03-10T12:00:00Z|-|2"], await ValuesAsync(server, calls, "calls"));

        // The day began before the restart, so it is compacted from the stored hours.
        clock.SetUtcNow(T("2026-03-11T00:02:00Z"));
        await CoverageWhenAsync(server, c => c.DaysBefore >= T("2026-03-11T00:00:00Z").UtcTicks);
        Assert.Equal(2, await CountRowsAsync(server, RollupLevel.Day, "2026-03-10T00:00:00Z", "calls"));
        var daily = Query(("from", "2026-03-10T00:00:00Z"), ("to", "2026-03-11T00:00:00Z"), ("windowSize", "DAY"));
        Assert.Equal(["2026-03-10T00:00:00Z|-|1142"], await ValuesAsync(server, daily));
        Assert.Equal(["2026-03-10T00:00:00Z|-|6"], await ValuesAsync(server, daily, "calls"));
    }

    [Fact]
    public async Task Subjects_and_group_values_include_the_day_not_yet_compacted()
    {
        var clock = new FakeTimeProvider(T("2026-03-10T10:20:00Z"));
        await using var server = await store.StartAsync(time: clock);
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([
            Event("old", "acme", "2026-03-09T08:00:00Z", Tokens(1, "gpt-4")),
            Event("new", "beta", "2026-03-10T10:05:00Z", Tokens(1, "gpt-4o")),
        ]));

        Assert.Equal(["acme", "beta"], await StringsAsync(server, "/api/v1/meters/tokens_total/subjects"));
        Assert.Equal(["gpt-4", "gpt-4o"], await StringsAsync(server, "/api/v1/meters/tokens_total/group-by/model/values"));
    }
}

public sealed class RollupCompactionTestsOnSqlite() : RollupCompactionTests(TestStore.Sqlite);

public sealed class RollupCompactionTestsOnPostgres() : RollupCompactionTests(TestStore.Postgres);
