using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;
using Tollgate.Metering.Storage.Sqlite;
using Tollgate.Store;

namespace Tollgate.Bench;

/// <summary>
/// Seeds a stopped server's store fast, with the engine's own pieces: events are generated as JSON, validated by
/// <see cref="CloudEventParser"/>, measured by the meter's <see cref="CompiledMeter.Extract"/> and written with the
/// writer session's own statements (<c>InsertEvent</c>, <c>MergeRollup</c>). Unlike the live writer it sums rollup
/// deltas over chunks of 200,000 events and upserts them in key order, with <c>synchronous = OFF</c>: a seeding
/// shortcut, not a figure for ingest. The rows it leaves are the ones ingest would leave for the same events.
/// </summary>
internal static class BulkSeeder
{
    private const int Chunk = 200_000;

    public static async Task<(TimeSpan Elapsed, string Split)> SeedAsync(string directory, long count, string tag, Func<long, DateTime> timeOf, Action<long, TimeSpan>? progress, CancellationToken cancellationToken)
    {
        var store = new SqliteStore(new StoreOptions { DataDirectory = directory }, TimeProvider.System, NullLogger<SqliteStore>.Instance);
        var meters = (await new SqliteMeteringStore(store).LoadCatalogAsync(cancellationToken)).Meters;
        var meter = new CompiledMeter(meters.Single(m => m.Slug == EventBatches.MeterSlug && m.DeletedAt is null));
        if (!meter.Meter.Ready)
        {
            throw new InvalidOperationException("the meter's rollups are not built yet; seed only a store whose meter is current");
        }

        var clock = Stopwatch.StartNew();
        var channel = Channel.CreateBounded<(EventRecord[] Records, MeterContribution?[] Contributions)>(64);

        // One producer on the other core: JSON, validation and extraction, exactly as the request path does them.
        var producer = Task.Run(async () =>
        {
            try
            {
                var batches = new EventBatches(tag, 0, 1000, seed: HashCode.Combine(tag));
                for (long first = 0; first < count; first += 1000)
                {
                    var size = (int)Math.Min(1000, count - first);
                    using var document = JsonDocument.Parse(batches.Next(size, first, timeOf));
                    var events = new List<ParsedEvent>(size);
                    if (CloudEventParser.Parse(document.RootElement, true, DateTimeOffset.UtcNow, events) is { } error)
                    {
                        throw new InvalidOperationException($"{error.Field}: {error.Message}");
                    }

                    var contributions = new MeterContribution?[size];
                    for (var i = 0; i < size; i++)
                    {
                        contributions[i] = meter.Extract(events[i].Record.Subject, events[i].Record.TimeTicks, events[i].Data, out _);
                    }

                    await channel.Writer.WriteAsync(([.. events.Select(e => e.Record)], contributions), cancellationToken);
                }

                channel.Writer.Complete();
            }
            catch (Exception exception)
            {
                channel.Writer.Complete(exception);
                throw;
            }
        }, cancellationToken);

        TimeSpan inserting = default, flushing = default, committing = default;
        long upserts = 0;
        var writer = store.OpenWriter();
        using (var pragma = writer.Connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;";
            pragma.ExecuteNonQuery();
        }

        using (var session = new SqliteMeteringWriteSession(writer))
        {
            var deltas = new Dictionary<RollupKey, AggregateState>();
            long written = 0;
            long inChunk = 0;
            var reported = TimeSpan.Zero;
            var step = new Stopwatch();
            session.Begin();
            await foreach (var (records, contributions) in channel.Reader.ReadAllAsync(cancellationToken))
            {
                var now = DateTime.UtcNow.Ticks;
                step.Restart();
                for (var i = 0; i < records.Length; i++)
                {
                    if (session.InsertEvent(records[i], now).Inserted && contributions[i] is { } c)
                    {
                        foreach (var level in Rollups.Stored)
                        {
                            var key = new RollupKey(c.MeterNumber, level, c.Subject, Rollups.BucketStart(level, c.TimeTicks), c.GroupKey);
                            ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(deltas, key, out _);
                            state.Add(c.Value, c.TimeTicks);
                        }
                    }
                }

                inserting += step.Elapsed;
                written += records.Length;
                inChunk += records.Length;
                if (inChunk >= Chunk)
                {
                    step.Restart();
                    upserts += Flush(session, deltas);
                    flushing += step.Elapsed;
                    step.Restart();
                    session.Commit();
                    session.Begin();
                    committing += step.Elapsed;
                    inChunk = 0;
                }

                if (progress is not null && clock.Elapsed - reported >= TimeSpan.FromSeconds(10))
                {
                    reported = clock.Elapsed;
                    progress(written, reported);
                }
            }

            step.Restart();
            upserts += Flush(session, deltas);
            flushing += step.Elapsed;
            step.Restart();
            session.Commit();
            committing += step.Elapsed;
        }

        await producer;
        using (var checkpoint = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.DatabasePath, Pooling = false }.ToString()))
        {
            checkpoint.Open();
            using var command = checkpoint.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }

        SqliteStore.CloseAll();
        var split = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"writer thread: event INSERT + extraction bookkeeping {inserting.TotalMicroseconds / count:0.0} µs/event, {upserts:N0} rollup upserts {flushing.TotalMicroseconds / upserts:0.0} µs each ({flushing.TotalMicroseconds / count:0.0} µs/event), commits {committing.TotalMicroseconds / count:0.0} µs/event");
        return (clock.Elapsed, split);
    }

    /// <summary>Upserts the chunk's rollup deltas in primary-key order, so neighbouring rows land on neighbouring pages.</summary>
    private static long Flush(SqliteMeteringWriteSession session, Dictionary<RollupKey, AggregateState> deltas)
    {
        var count = deltas.Count;
        foreach (var (key, delta) in deltas
            .OrderBy(d => d.Key.MeterNumber)
            .ThenBy(d => d.Key.Level)
            .ThenBy(d => d.Key.Subject, StringComparer.Ordinal)
            .ThenBy(d => d.Key.BucketStart)
            .ThenBy(d => d.Key.GroupKey, StringComparer.Ordinal))
        {
            session.MergeRollup(key, delta);
        }

        deltas.Clear();
        return count;
    }
}
