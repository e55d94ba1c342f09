using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Metering.Ingest;
using Tollgate.Metering.Storage.Postgres;
using Tollgate.Server.Tests.Infrastructure;
using static Tollgate.Server.Tests.Infrastructure.Events;

namespace Tollgate.Server.Tests.Metering;

/// <summary>Raw events on PostgreSQL live in monthly partitions that the retention detaches without touching the totals.</summary>
public sealed class PostgresPartitionTests
{
    private static Task<long> PartitionsAsync(TollgateServer server, string name) => server.CountAsync(
        "SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass AND c.relname = @name",
        ("@name", name));

    private static async Task<decimal> TotalAsync(TollgateServer server, string from, string to)
    {
        using var document = JsonDocument.Parse(await server.GetStringAsync($"/api/v1/meters/tokens_total/query?from={from}&to={to}"));
        return document.RootElement.GetProperty("data").EnumerateArray().Sum(row => row.GetProperty("value").GetDecimal());
    }

    [Fact]
    public async Task Months_past_the_retention_are_detached_and_totals_dedup_and_late_events_still_work()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-06-15T12:00:00Z", CultureInfo.InvariantCulture));
        await using var server = await TestStore.Postgres.StartAsync(ingest: new IngestOptions { EventRetentionMonths = 12 }, time: clock);
        await CreateMeterAsync(server, TokensMeter);
        await IngestAsync(server, Batch([
            Event("jan", "acme", "2024-01-10T10:00:00Z", Tokens(10)),
            Event("mar", "acme", "2024-03-10T10:00:00Z", Tokens(20)),
            Event("jun", "acme", "2025-06-10T10:00:00Z", Tokens(40)),
        ]));
        Assert.Equal(1, await PartitionsAsync(server, "events_202401"));
        Assert.Equal(1, await PartitionsAsync(server, "events_202403"));
        Assert.Equal(1, await PartitionsAsync(server, "events_202506"));
        Assert.Equal(1, await PartitionsAsync(server, "events_202508"));

        // Twelve months back from June 2025: January and March 2024 go; the rest stays.
        await server.App.Services.GetRequiredService<PostgresEventPartitions>().RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, await PartitionsAsync(server, "events_202401"));
        Assert.Equal(0, await PartitionsAsync(server, "events_202403"));
        Assert.Equal(1, await PartitionsAsync(server, "events_202506"));
        Assert.Equal(2, await server.CountAsync("SELECT COUNT(*) FROM pg_class WHERE relname LIKE 'events_2024%_archived_%' AND relnamespace = current_schema()::regnamespace"));

        // The raw events are gone from listings, the totals are not, and a repeat of an archived event is still a repeat.
        Assert.Equal("[]", await server.GetStringAsync("/api/v1/events?from=2024-01-01T00:00:00Z&to=2024-04-01T00:00:00Z"));
        Assert.Equal(70m, await TotalAsync(server, "2024-01-01T00:00:00Z", "2025-07-01T00:00:00Z"));
        await IngestAsync(server, Batch([Event("jan", "acme", "2024-01-10T10:00:00Z", Tokens(10))]));
        Assert.Equal(70m, await TotalAsync(server, "2024-01-01T00:00:00Z", "2025-07-01T00:00:00Z"));

        // A late event for an archived month gets a fresh partition and counts.
        await IngestAsync(server, Batch([Event("jan-late", "acme", "2024-01-20T10:00:00Z", Tokens(5))]));
        Assert.Equal(1, await PartitionsAsync(server, "events_202401"));
        Assert.Equal(15m, await TotalAsync(server, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"));
    }
}
