using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>
/// The one writer of the metering store. It drains queued requests into group commits — raw events and the
/// rollups they change in one transaction — and only then completes the requests, so an acknowledgement
/// means the events are on disk. Meter changes, rollup rebuilds and compaction run here too, ordered with
/// ingest. Live events write only their minute rollup; once an hour (or day) has closed, one compaction step
/// folds its minutes (or hours) into a coarse row and moves <see cref="RollupCoverage"/> past it.
/// </summary>
internal sealed partial class MeteringWriter(
    IMeteringStore store,
    EventIngestor ingestor,
    MeterCatalog catalog,
    IngestOptions options,
    TimeProvider time,
    ILogger<MeteringWriter> logger) : IHostedService
{
    private readonly Dictionary<RollupKey, AggregateState> _deltas = [];
    private readonly HashSet<(long, string, long, string, string)> _distinct = [];
    private readonly List<IngestRequest> _group = [];
    private readonly PendingRollups _pending = new();
    private const int MaxAttempts = 5;

    private readonly List<EventRecord> _flat = [];
    private InsertOutcome[] _outcomes = new InsertOutcome[128];
    private IMeteringWriteSession? _session;
    private Task? _loop;
    private volatile TaskCompletionSource? _paused;
    private RollupCoverage _coverage;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Publish(await store.LoadCatalogAsync(cancellationToken));
        _session = store.OpenWriteSession();
        _coverage = LoadCoverage();
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Stops taking requests, commits everything already queued, then closes the session.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ingestor.Complete();
        Resume();
        if (_loop is not null)
        {
            await _loop;
        }

        _session?.Dispose();
    }

    /// <summary>Holds the writer before its next commit; for tests of a full queue.</summary>
    internal IDisposable Pause()
    {
        _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new Resumer(this);
    }

    private void Resume() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    private async Task RunAsync()
    {
        var reader = ingestor.Reader;
        while (true)
        {
            if (_paused is { } paused)
            {
                await paused.Task;
            }

            if (!reader.TryPeek(out _))
            {
                if (reader.Completion.IsCompleted)
                {
                    return;
                }

                if (BuildStep() || CompactStep())
                {
                    continue;
                }

                if (!await WaitForWorkAsync(reader))
                {
                    return;
                }

                continue;
            }

            var events = 0;
            while (events < options.MaxEventsPerCommit && reader.TryPeek(out var next))
            {
                if (next is MeterChange change)
                {
                    if (_group.Count == 0)
                    {
                        reader.TryRead(out _);
                        ApplyChange(change);
                    }

                    break;
                }

                reader.TryRead(out _);
                var request = (IngestRequest)next;
                _group.Add(request);
                events += request.Events.Count;
            }

            if (_group.Count > 0)
            {
                CommitGroup();

                // Rebuilds and compaction advance between commits even while ingest never lets the queue run dry.
                BuildStep();
                CompactStep();
            }
        }
    }

    /// <summary>
    /// Commits the group, retrying a few times when the store reports a transient failure (on PostgreSQL, a deadlock
    /// or serialization failure between nodes, or a dropped connection): the transaction rolled back whole, so a
    /// retry writes exactly the same thing. Otherwise every request of the group fails and nothing of it is stored.
    /// </summary>
    private void CommitGroup()
    {
        var session = _session!;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    WriteGroup(session);
                    foreach (var request in _group)
                    {
                        request.Completion.TrySetResult(null);
                    }

                    return;
                }
                catch (Exception exception)
                {
                    session.Rollback();
                    _deltas.Clear();
                    _distinct.Clear();
                    if (attempt < MaxAttempts && store.IsTransient(exception))
                    {
                        LogCommitRetried(logger, exception, attempt);
                        Thread.Sleep(TimeSpan.FromMilliseconds(10 * attempt));
                        continue;
                    }

                    LogCommitFailed(logger, exception, _group.Count);
                    foreach (var request in _group)
                    {
                        request.Completion.TrySetException(exception);
                    }

                    return;
                }
            }
        }
        finally
        {
            _group.Clear();
        }
    }

    private void WriteGroup(IMeteringWriteSession session)
    {
        // The whole group in one insert: one round trip, and on a shared store one lock order for every node.
        _flat.Clear();
        foreach (var request in _group)
        {
            _flat.AddRange(request.Events);
        }

        session.Prepare(_flat);
        session.Begin();
        Sync(session);
        var snapshot = catalog.Current;
        var now = time.GetUtcNow().UtcTicks;

        if (_outcomes.Length < _flat.Count)
        {
            _outcomes = new InsertOutcome[_flat.Count];
        }

        session.InsertEvents(_flat, now, _outcomes);
        var offset = 0;
        foreach (var request in _group)
        {
            var current = ReferenceEquals(request.Snapshot, snapshot);
            for (var i = 0; i < request.Events.Count; i++)
            {
                var record = request.Events[i];
                var outcome = _outcomes[offset + i];
                if (outcome.Inserted)
                {
                    var contributions = current ? request.Contributions[i] : EventIngestor.Contribute(snapshot, record);
                    foreach (var contribution in contributions)
                    {
                        if (snapshot.ByNumber(contribution.MeterNumber) is { Meter.Ready: true } meter)
                        {
                            Accumulate(meter, contribution);
                        }
                    }
                }
                else if (outcome.Conflict)
                {
                    session.RecordConflict(record, now);
                    LogConflict(logger, record.Source, record.Id);
                }
            }

            offset += request.Events.Count;
        }

        FlushDeltas(session);
        session.Commit();
        Committed();
    }

    private void ApplyChange(MeterChange change)
    {
        var session = _session!;
        try
        {
            session.Begin(exclusive: true);
            Sync(session);
            var result = change.Apply(session, catalog.Current.All);
            session.Commit();

            // A change may have cleared a meter's rollups for a rebuild; what memory held is no longer the whole.
            _pending.Forget();
            catalog.Publish(store.LoadCatalogAsync(CancellationToken.None).GetAwaiter().GetResult());
            change.Completion.TrySetResult(result);
        }
        catch (Exception exception)
        {
            session.Rollback();
            change.Completion.TrySetException(exception);
        }
    }

    /// <summary>Advances the rollups of one meter that is not yet current by one chunk of stored events.</summary>
    private bool BuildStep()
    {
        if (!catalog.Current.Live.Any(m => !m.Meter.Ready))
        {
            return false;
        }

        var session = _session!;
        CompiledMeter? meter = null;
        try
        {
            session.Begin(exclusive: true);

            // On a shared store another node may have advanced (or finished) this rebuild since the catalog was read.
            Sync(session);
            meter = catalog.Current.Live.Where(m => !m.Meter.Ready).MinBy(m => m.Meter.Number);
            if (meter is null)
            {
                session.Commit();
                return false;
            }

            var through = session.MaxEventSeq();
            var chunk = session.ReadEventsForBuild(meter.Meter.EventType, meter.Meter.BuiltThroughSeq, through, options.RebuildChunk);
            foreach (var stored in chunk)
            {
                var record = stored.Event;
                using var document = record.Data is null ? null : JsonDocument.Parse(record.Data);
                var contribution = meter.Extract(record.Subject, record.TimeTicks, document?.RootElement ?? default, out _);
                if (contribution is { } c)
                {
                    Accumulate(meter, c);
                }
            }

            FlushDeltas(session);
            var done = chunk.Count < options.RebuildChunk;
            var builtThrough = done ? through : chunk[^1].Seq;
            session.SetBuildProgress(meter.Meter.Number, builtThrough, done);
            session.Commit();
            Committed();
            if (done)
            {
                LogMeterReady(logger, meter.Meter.Slug, builtThrough);
            }
        }
        catch (Exception exception)
        {
            session.Rollback();
            _deltas.Clear();
            _distinct.Clear();
            LogCommitFailed(logger, exception, 0);
            return false;
        }

        catalog.Publish(store.LoadCatalogAsync(CancellationToken.None).GetAwaiter().GetResult());
        return true;
    }

    /// <summary>Waits for queued work, or until the next hour is due for compaction; false once ingest has completed.</summary>
    private async Task<bool> WaitForWorkAsync(System.Threading.Channels.ChannelReader<WriteRequest> reader)
    {
        var wait = reader.WaitToReadAsync().AsTask();
        var due = TimeSpan.FromTicks(_coverage.HoursBefore + TimeSpan.TicksPerHour + options.CompactionDelay.Ticks - time.GetUtcNow().UtcTicks);
        if (due > TimeSpan.Zero)
        {
            using var stop = new CancellationTokenSource();
            await Task.WhenAny(wait, Task.Delay(due, time, stop.Token));
            await stop.CancelAsync();
            if (!wait.IsCompleted)
            {
                return true;
            }
        }

        return await wait;
    }

    /// <summary>Reads the stored coverage, or sets it on first start: coarse rows are complete up to now.</summary>
    private RollupCoverage LoadCoverage()
    {
        var session = _session!;
        try
        {
            session.Begin(exclusive: true);
            if (session.ReadCoverage() is not { } coverage)
            {
                // Rows written before coverage was kept exist at every level, so the coarse levels count as
                // complete through the last such row; from there on, live traffic writes minutes only.
                var now = time.GetUtcNow().UtcTicks;
                var hours = Rollups.BucketStart(RollupLevel.Hour, now);
                var days = Rollups.BucketStart(RollupLevel.Day, now);
                foreach (var meter in catalog.Current.All)
                {
                    if (session.FindBucket(meter.Number, RollupLevel.Hour, long.MinValue, last: true) is { } hour)
                    {
                        hours = Math.Max(hours, hour + TimeSpan.TicksPerHour);
                    }

                    if (session.FindBucket(meter.Number, RollupLevel.Day, long.MinValue, last: true) is { } day)
                    {
                        days = Math.Max(days, day + TimeSpan.TicksPerDay);
                    }
                }

                coverage = new RollupCoverage(hours, days);
                session.SaveCoverage(coverage);
            }

            long? lastMinute = null;
            foreach (var meter in catalog.Current.All)
            {
                if (session.FindBucket(meter.Number, RollupLevel.Minute, long.MinValue, last: true) is { } minute && minute > (lastMinute ?? long.MinValue))
                {
                    lastMinute = minute;
                }
            }

            session.Commit();
            if (!store.SharedByNodes)
            {
                // Other nodes' minutes never pass through this one's memory, so on a shared store every bucket is
                // compacted from the stored rows.
                _pending.Start(coverage, lastMinute);
            }

            return coverage;
        }
        catch
        {
            session.Rollback();
            throw;
        }
    }

    /// <summary>Runs one compaction step when one is due; see <see cref="RollupCompaction"/>.</summary>
    private bool CompactStep()
    {
        if (RollupCompaction.Due(_coverage, time.GetUtcNow().UtcTicks, options.CompactionDelay) is not { } due)
        {
            return false;
        }

        var session = _session!;
        var step = due;
        try
        {
            session.Begin(exclusive: true);

            // On a shared store another node may have compacted this step already.
            Sync(session);
            if (RollupCompaction.Due(_coverage, time.GetUtcNow().UtcTicks, options.CompactionDelay) is not { } current)
            {
                session.Commit();
                return false;
            }

            step = current;
            var result = RollupCompaction.Run(session, catalog.Current.All, _coverage, step, _pending);
            session.SaveCoverage(result.Coverage);
            session.Commit();
            _coverage = result.Coverage;
            _pending.Compacted(result);
            return true;
        }
        catch (Exception exception)
        {
            session.Rollback();
            LogCompactionFailed(logger, exception, step.Level, step.From);
            return false;
        }
    }

    private void Accumulate(CompiledMeter meter, in MeterContribution contribution)
    {
        if (meter.Meter.Aggregation == MeterAggregation.UniqueCount)
        {
            _distinct.Add((contribution.MeterNumber, contribution.Subject, Rollups.BucketStart(RollupLevel.Minute, contribution.TimeTicks), contribution.GroupKey, contribution.DistinctValue!));
            return;
        }

        foreach (var level in Rollups.Stored)
        {
            if (!_coverage.Writes(level, contribution.TimeTicks))
            {
                continue;
            }

            var key = new RollupKey(contribution.MeterNumber, level, contribution.Subject, Rollups.BucketStart(level, contribution.TimeTicks), contribution.GroupKey);
            ref var state = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_deltas, key, out _);
            state.Add(contribution.Value, contribution.TimeTicks);
        }
    }

    private void FlushDeltas(IMeteringWriteSession session)
    {
        foreach (var (key, delta) in _deltas)
        {
            session.MergeRollup(key, delta);
        }

        foreach (var (meter, subject, minute, group, value) in _distinct)
        {
            session.AddDistinctValue(meter, subject, minute, group, value);
        }
    }

    /// <summary>
    /// On a store other nodes write too, brings the catalog and the coverage up to what is stored, under the
    /// transaction's lock: ingest then extracts with the meters every node agrees on, and writes the coarse rows that
    /// another node's compaction now expects written directly.
    /// </summary>
    private void Sync(IMeteringWriteSession session)
    {
        if (!store.SharedByNodes)
        {
            return;
        }

        var (version, coverage) = session.ReadState();
        if (coverage is { } stored)
        {
            _coverage = stored;
        }

        if (version != catalog.Current.StoredVersion)
        {
            catalog.Publish(store.LoadCatalogAsync(CancellationToken.None).GetAwaiter().GetResult());
        }
    }

    /// <summary>After a commit: what went into minute rows only is now owed to compaction.</summary>
    private void Committed()
    {
        if (!store.SharedByNodes)
        {
            _pending.Add(_deltas, _coverage);
        }

        _deltas.Clear();
        _distinct.Clear();
    }

    private sealed class Resumer(MeteringWriter writer) : IDisposable
    {
        public void Dispose() => writer.Resume();
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Event {Source}/{Id} arrived again with a different payload; the first one is kept and the new one recorded in event_conflicts")]
    private static partial void LogConflict(ILogger logger, string source, string id);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "A metering commit failed; {Requests} ingest requests were refused and nothing of them was stored")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int requests);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Compacting the {Level} rollups from {From} failed; it is retried after the next commit")]
    private static partial void LogCompactionFailed(ILogger logger, Exception exception, RollupLevel level, long from);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "A metering commit hit a transient store failure (attempt {Attempt}); retrying it whole")]
    private static partial void LogCommitRetried(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Meter {Slug} is current: its rollups cover every event through seq {Seq}")]
    private static partial void LogMeterReady(ILogger logger, string slug, long seq);
}
