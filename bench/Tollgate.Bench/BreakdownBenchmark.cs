using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Metering;
using Tollgate.Metering.Api;
using Tollgate.Metering.Events;
using Tollgate.Metering.Ingest;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;
using Tollgate.Metering.Storage.Sqlite;
using Tollgate.Store;

namespace Tollgate.Bench;

/// <summary>
/// Where ingest time goes, measured in-process with the engine's own types: each stage alone on one thread
/// (JSON parse and CloudEvents validation, meter extraction, the SQLite writer's inserts, rollup upserts and
/// commits), then the whole pipeline without HTTP (parse, contribute, queue, group commit) from several tasks.
/// </summary>
internal static class BreakdownBenchmark
{
    public static async Task<int> RunAsync(int eventCount, int batchSize, bool keepData, CancellationToken cancellationToken)
    {
        Console.WriteLine($"# Tollgate ingest breakdown, in-process ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine($"engine: {Repository.Source()}");
        Console.WriteLine($"{eventCount:N0} live events in batches of {batchSize}, one SUM meter grouped by model and type");
        Console.WriteLine();

        var generator = new EventBatches("bd", 0, 1000, seed: 7);
        var batches = new List<byte[]>();
        for (long first = 0; first < eventCount; first += batchSize)
        {
            batches.Add(generator.Next((int)Math.Min(batchSize, eventCount - first), first, _ => DateTime.UtcNow).ToArray());
        }

        var table = new Table("stage (one thread)", "µs per event", "events/s on one core", "note");
        var draft = JsonSerializer.Deserialize(EventBatches.MeterJson, MeteringJsonContext.Default.MeterDraft)!;
        var meter = new Meter
        {
            Number = 1,
            Id = "01BENCH0000000000000000000",
            Slug = draft.Slug!,
            Name = draft.Name!,
            Aggregation = draft.Aggregation!.Value,
            EventType = draft.EventType!,
            ValueProperty = draft.ValueProperty,
            GroupBy = [.. draft.GroupBy!.OrderBy(g => g.Key, StringComparer.Ordinal)],
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
            Ready = true,
        };
        var snapshot = new MeterSnapshot(1, [meter]);

        // 1. Body to validated events: JsonDocument plus CloudEventParser, as the endpoint does. Two passes; the second is timed.
        var documents = new List<JsonDocument>(batches.Count);
        var parsed = new List<List<ParsedEvent>>(batches.Count);
        TimeSpan parse = default;
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }

            documents.Clear();
            parsed.Clear();
            var stopwatch = Stopwatch.StartNew();
            foreach (var body in batches)
            {
                var document = JsonDocument.Parse(body);
                var events = new List<ParsedEvent>(batchSize);
                if (CloudEventParser.Parse(document.RootElement, true, DateTimeOffset.UtcNow, events) is { } error)
                {
                    throw new InvalidOperationException($"{error.Field}: {error.Message}");
                }

                documents.Add(document);
                parsed.Add(events);
            }

            parse = stopwatch.Elapsed;
        }

        Add(table, "JSON parse + CloudEvents validation", parse, eventCount, "request threads, in parallel");

        // 2. Meter extraction (value, group key) on the request thread.
        var contributions = new List<MeterContribution[][]>(parsed.Count);
        TimeSpan contribute = default;
        for (var pass = 0; pass < 2; pass++)
        {
            contributions.Clear();
            var stopwatch = Stopwatch.StartNew();
            foreach (var events in parsed)
            {
                var perEvent = new MeterContribution[events.Count][];
                for (var i = 0; i < events.Count; i++)
                {
                    perEvent[i] = EventIngestor.Contribute(snapshot, events[i].Record, events[i].Data);
                }

                contributions.Add(perEvent);
            }

            contribute = stopwatch.Elapsed;
        }

        Add(table, "meter extraction (Contribute)", contribute, eventCount, "request threads, in parallel");

        // 3. The single writer: what one group commit costs, split into its statements, at two group sizes, and
        // (what-if, not what the server does) with the raw events alone, to show the floor without rollups.
        foreach (var (group, rollups) in ((int, bool)[])[(batchSize, true), (20 * batchSize, true), (20 * batchSize, false)])
        {
            var directory = Repository.NewDataDirectory("breakdown");
            try
            {
                using var session = OpenSession(directory, meter);

                var records = parsed.SelectMany(p => p.Select(e => e.Record)).ToArray();
                var flat = contributions.SelectMany(c => c).ToArray();
                var deltas = new Dictionary<RollupKey, AggregateState>();

                // As the writer does for live traffic: the open hour and day are not compacted, so only minute rows.
                var nowTicks = DateTime.UtcNow.Ticks;
                var coverage = new RollupCoverage(Rollups.BucketStart(RollupLevel.Hour, nowTicks), Rollups.BucketStart(RollupLevel.Day, nowTicks));
                TimeSpan insert = default, merge = default, commit = default, accumulate = default;
                long upserts = 0, commits = 0;
                var clock = new Stopwatch();
                for (var start = 0; start < records.Length; start += group)
                {
                    var end = Math.Min(records.Length, start + group);
                    clock.Restart();
                    session.Begin();
                    var now = DateTime.UtcNow.Ticks;
                    session.InsertEvents(records[start..end], now, new InsertOutcome[end - start]);

                    insert += clock.Elapsed;
                    clock.Restart();
                    for (var i = start; i < end && rollups; i++)
                    {
                        foreach (var c in flat[i])
                        {
                            foreach (var level in Rollups.Stored.Where(l => coverage.Writes(l, c.TimeTicks)))
                            {
                                var key = new RollupKey(c.MeterNumber, level, c.Subject, Rollups.BucketStart(level, c.TimeTicks), c.GroupKey);
                                ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(deltas, key, out _);
                                state.Add(c.Value, c.TimeTicks);
                            }
                        }
                    }

                    accumulate += clock.Elapsed;
                    clock.Restart();
                    foreach (var (key, delta) in deltas)
                    {
                        session.MergeRollup(key, delta);
                    }

                    upserts += deltas.Count;
                    deltas.Clear();
                    merge += clock.Elapsed;
                    clock.Restart();
                    session.Commit();
                    commit += clock.Elapsed;
                    commits++;
                }

                var label = $"commits of {group:N0} events{(rollups ? string.Empty : ", WITHOUT rollups (what-if)")}";
                Add(table, $"writer: INSERT events ({label})", insert, records.Length, "single writer thread");
                if (rollups)
                {
                    Add(table, $"writer: rollup deltas in memory ({label})", accumulate, records.Length, "single writer thread");
                    Add(table, $"writer: rollup upserts ({label})", merge, records.Length, $"{upserts / (double)records.Length:0.00} upserts per event");
                }

                Add(table, $"writer: COMMIT, synchronous=FULL ({label})", commit, records.Length, $"{commit.TotalMilliseconds / commits:0.00} ms per commit");
                Add(table, $"writer total ({label})", insert + accumulate + merge + commit, records.Length, "the serial part of ingest");
                SqliteStore.CloseAll();
            }
            finally
            {
                if (!keepData)
                {
                    Repository.DeleteDirectory(directory);
                }
            }
        }

        foreach (var document in documents)
        {
            document.Dispose();
        }

        Console.WriteLine(table);

        // 4. Compaction of one busy hour, as the writer runs it when the hour has closed: every subject and group
        // active in every minute, folded into hour rows in one transaction that holds up ingest meanwhile.
        Console.WriteLine(CompactionTable(meter, keepData));

        // 5. The pipeline without HTTP: the module as the server wires it, fed from concurrent tasks.
        var pipeline = new Table("pipeline without HTTP", "events/s", "p50 ms", "p99 ms");
        foreach (var tasks in (int[])[8, 32])
        {
            var (rate, p50, p99) = await PipelineAsync(eventCount, batchSize, tasks, keepData, cancellationToken);
            pipeline.Add($"{tasks} concurrent callers: parse, contribute, queue, group commit", Stats.Count(rate), Stats.Ms(p50), Stats.Ms(p99));
        }

        Console.WriteLine(pipeline);
        return 0;
    }

    /// <summary>A fresh store in <paramref name="directory"/> holding <paramref name="meter"/>, and the writer's session on it.</summary>
    private static IMeteringWriteSession OpenSession(string directory, Meter meter)
    {
        var store = new SqliteStore(new StoreOptions { DataDirectory = directory }, TimeProvider.System, NullLogger<SqliteStore>.Instance);
        store.Migrate(MeteringModule.SqliteMigrations);
        var session = new SqliteMeteringStore(store).OpenWriteSession();
        session.Begin();
        session.InsertMeter(meter);
        session.Commit();
        return session;
    }

    private static Table CompactionTable(Meter meter, bool keepData)
    {
        const int Subjects = 1000;
        var groups = EventBatches.Models.SelectMany(m => new[] { $"[\"{m}\",\"input\"]", $"[\"{m}\",\"output\"]" }).ToArray();
        var table = new Table("compaction of one closed hour (one transaction, ingest waits)", "minute rows read", "hour rows written", "ms");
        var directory = Repository.NewDataDirectory("compaction");
        try
        {
            using var session = OpenSession(directory, meter);

            var hour = Rollups.BucketStart(RollupLevel.Hour, DateTime.UtcNow.Ticks) - TimeSpan.TicksPerHour;
            var coverage = new RollupCoverage(hour, Rollups.BucketStart(RollupLevel.Day, hour));
            var live = new PendingRollups();
            live.Start(coverage, null);
            var minuteRows = new Dictionary<RollupKey, AggregateState>();
            for (var minute = 0; minute < 60; minute++)
            {
                session.Begin();
                for (var subject = 0; subject < Subjects; subject++)
                {
                    foreach (var group in groups)
                    {
                        var key = new RollupKey(meter.Number, RollupLevel.Minute, $"customer-{subject:D4}", hour + (minute * TimeSpan.TicksPerMinute), group);
                        minuteRows[key] = AggregateState.Of(100 + minute, key.BucketStart);
                        session.MergeRollup(key, minuteRows[key]);
                    }
                }

                session.Commit();
                live.Add(minuteRows, coverage);
                minuteRows.Clear();
            }

            var step = RollupCompaction.Due(coverage, hour + TimeSpan.TicksPerHour + TimeSpan.TicksPerMinute, TimeSpan.FromMinutes(1))
                ?? throw new InvalidOperationException("the hour should be due");
            foreach (var (label, pending) in new[] { ("after a restart: minute rows read back", new PendingRollups()), ("live: folded in memory as minutes were committed", live) })
            {
                var stopwatch = Stopwatch.StartNew();
                session.Begin();
                session.SaveCoverage(RollupCompaction.Run(session, [meter], coverage, step, pending).Coverage);
                var elapsed = stopwatch.Elapsed;

                // The first run is undone so the second starts from the same store.
                if (pending == live)
                {
                    session.Commit();
                    elapsed = stopwatch.Elapsed;
                }
                else
                {
                    session.Rollback();
                }

                table.Add($"{Subjects:N0} subjects × {groups.Length} groups × 60 minutes, {label}", pending == live ? "0" : Stats.Count(60L * Subjects * groups.Length), Stats.Count(Subjects * groups.Length), Stats.Ms(elapsed.TotalMilliseconds));
            }

            SqliteStore.CloseAll();
        }
        finally
        {
            if (!keepData)
            {
                Repository.DeleteDirectory(directory);
            }
        }

        return table;
    }

    private static async Task<(double Rate, double P50, double P99)> PipelineAsync(int eventCount, int batchSize, int callers, bool keepData, CancellationToken cancellationToken)
    {
        var directory = Repository.NewDataDirectory("pipeline");
        try
        {
            await using var module = await InProcessIngest.StartAsync(directory, new IngestOptions(), cancellationToken);
            await module.EnsureMeterAsync(cancellationToken);
            var (latencies, elapsed) = await module.IngestAsync(eventCount, batchSize, callers, "pl", _ => DateTime.UtcNow, null, cancellationToken);
            return (eventCount / elapsed.TotalSeconds, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99));
        }
        finally
        {
            if (!keepData)
            {
                Repository.DeleteDirectory(directory);
            }
        }
    }

    private static void Add(Table table, string stage, TimeSpan elapsed, long events, string note) => table.Add(
        stage,
        (elapsed.TotalMicroseconds / events).ToString("0.00", CultureInfo.InvariantCulture),
        Stats.Count(events / elapsed.TotalSeconds),
        note);
}
