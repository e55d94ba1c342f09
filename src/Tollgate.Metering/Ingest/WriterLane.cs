using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>
/// One writing loop of <see cref="MeteringWriter"/> on its own session: it drains queued requests into group commits
/// (raw events and the rollups they change in one transaction) and only then completes them, and between commits runs
/// meter changes, rebuild steps and compaction. Live events write only their minute rollup; once an hour (or day) has
/// closed, one compaction step folds its minutes (or hours) into a coarse row and moves <see cref="RollupCoverage"/>.
/// </summary>
internal sealed partial class WriterLane(
    MeteringWriter owner,
    IMeteringWriteSession writeSession,
    IMeteringStore store,
    EventIngestor ingestor,
    MeterCatalog catalog,
    IngestOptions options,
    TimeProvider time,
    PendingRollups pending,
    ILogger logger)
{
    private readonly Dictionary<RollupKey, AggregateState> _deltas = [];
    private readonly HashSet<(long, string, long, string, string)> _distinct = [];
    private readonly List<IngestRequest> _group = [];
    private const int MaxAttempts = 5;

    private readonly List<EventRecord> _flat = [];
    private InsertOutcome[] _outcomes = new InsertOutcome[128];
    private RollupCoverage _coverage;

    /// <summary>Up to what the coarse rollups are complete, as this lane last knew it.</summary>
    public RollupCoverage Coverage => _coverage;

    /// <summary>The first lane reads (or sets) the stored coverage; the others start from what it found.</summary>
    public void Start(RollupCoverage? coverage) => _coverage = coverage ?? LoadCoverage();

    /// <summary>
    /// The lane's loop, on a thread of its own: its commits (and their fsyncs) block this thread, never one of the
    /// thread pool's, which on a small machine are the ones serving requests.
    /// </summary>
    public void Run()
    {
        var reader = ingestor.Reader;
        while (true)
        {
            if (owner.Paused is { } paused)
            {
                paused.Task.GetAwaiter().GetResult();
            }

            if (!reader.TryRead(out var next))
            {
                if (reader.Completion.IsCompleted)
                {
                    return;
                }

                if (BuildStep() || CompactStep())
                {
                    continue;
                }

                if (!WaitForWorkAsync(reader).GetAwaiter().GetResult())
                {
                    return;
                }

                continue;
            }

            // Other lanes may read the same queue, so what is read is handled, never put back: a meter change ends
            // the group, which commits first, as it was queued first.
            var events = 0;
            while (true)
            {
                if (next is MeterChange change)
                {
                    if (_group.Count > 0)
                    {
                        CommitGroup();
                    }

                    ApplyChange(change);
                    break;
                }

                var request = (IngestRequest)next!;
                _group.Add(request);
                events += request.Events.Count;
                if (events >= options.MaxEventsPerCommit || !reader.TryRead(out next))
                {
                    break;
                }
            }

            if (_group.Count > 0)
            {
                CommitGroup();
            }

            // Rebuilds and compaction advance between commits even while ingest never lets the queue run dry.
            BuildStep();
            CompactStep();
        }
    }

    /// <summary>
    /// Commits the group, retrying a few times when the store reports a transient failure (on PostgreSQL, a deadlock
    /// or serialization failure between nodes, or a dropped connection): the transaction rolled back whole, so a
    /// retry writes exactly the same thing. Otherwise every request of the group fails and nothing of it is stored.
    /// </summary>
    private void CommitGroup()
    {
        var session = writeSession;
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
        var session = writeSession;
        try
        {
            session.Begin(exclusive: true);
            Sync(session);
            var result = change.Apply(session, catalog.Current.All);
            session.Commit();

            // A change may have cleared a meter's rollups for a rebuild; what memory held is no longer the whole.
            pending.Forget();
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

        var session = writeSession;
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
        var session = writeSession;
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
                pending.Start(coverage, lastMinute);
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

        var session = writeSession;
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
            var result = RollupCompaction.Run(session, catalog.Current.All, _coverage, step, pending);
            session.SaveCoverage(result.Coverage);
            session.Commit();
            _coverage = result.Coverage;
            pending.Compacted(result);
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
            pending.Add(_deltas, _coverage);
        }

        _deltas.Clear();
        _distinct.Clear();
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
