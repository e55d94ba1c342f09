using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Queries;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>
/// The one writer of the metering store. It drains queued requests into group commits — raw events and the
/// rollups they change in one transaction — and only then completes the requests, so an acknowledgement
/// means the events are on disk. Meter changes and rollup rebuilds run here too, ordered with ingest.
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
    private IMeteringWriteSession? _session;
    private Task? _loop;
    private volatile TaskCompletionSource? _paused;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Publish(await store.LoadMetersAsync(cancellationToken));
        _session = store.OpenWriteSession();
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

                if (BuildStep())
                {
                    continue;
                }

                if (!await reader.WaitToReadAsync())
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

                // A rebuild advances between commits even while ingest never lets the queue run dry.
                BuildStep();
            }
        }
    }

    private void CommitGroup()
    {
        var session = _session!;
        var snapshot = catalog.Current;
        try
        {
            session.Begin();
            var now = time.GetUtcNow().UtcTicks;
            foreach (var request in _group)
            {
                var current = ReferenceEquals(request.Snapshot, snapshot);
                for (var i = 0; i < request.Events.Count; i++)
                {
                    var record = request.Events[i];
                    var outcome = session.InsertEvent(record, now);
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
            }

            FlushDeltas(session);
            session.Commit();
            foreach (var request in _group)
            {
                request.Completion.TrySetResult(null);
            }
        }
        catch (Exception exception)
        {
            session.Rollback();
            _deltas.Clear();
            _distinct.Clear();
            LogCommitFailed(logger, exception, _group.Count);
            foreach (var request in _group)
            {
                request.Completion.TrySetException(exception);
            }
        }
        finally
        {
            _group.Clear();
        }
    }

    private void ApplyChange(MeterChange change)
    {
        var session = _session!;
        try
        {
            session.Begin();
            var result = change.Apply(session, catalog.Current.All);
            session.Commit();
            catalog.Publish(store.LoadMetersAsync(CancellationToken.None).GetAwaiter().GetResult());
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
        var snapshot = catalog.Current;
        var meter = snapshot.Live.Where(m => !m.Meter.Ready).MinBy(m => m.Meter.Number);
        if (meter is null)
        {
            return false;
        }

        var session = _session!;
        try
        {
            session.Begin();
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

        catalog.Publish(store.LoadMetersAsync(CancellationToken.None).GetAwaiter().GetResult());
        return true;
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

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Meter {Slug} is current: its rollups cover every event through seq {Seq}")]
    private static partial void LogMeterReady(ILogger logger, string slug, long seq);
}
