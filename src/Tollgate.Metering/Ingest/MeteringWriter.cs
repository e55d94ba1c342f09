using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>
/// The writer of the metering store: the only code that writes events and rollups, so an acknowledgement means the
/// events are committed. On the embedded store it is one <see cref="WriterLane"/>, the file's single writer. On a
/// shared store (PostgreSQL) it runs <see cref="IngestOptions.SharedStoreWriters"/> lanes, each on its own connection,
/// so one lane's statements overlap another's work; the store's ingest lock orders them like writers on other nodes.
/// </summary>
internal sealed class MeteringWriter(
    IMeteringStore store,
    EventIngestor ingestor,
    MeterCatalog catalog,
    IngestOptions options,
    TimeProvider time,
    ILogger<MeteringWriter> logger) : IHostedService
{
    private readonly List<(WriterLane Lane, IMeteringWriteSession Session)> _lanes = [];
    private readonly List<Task> _loops = [];
    private volatile TaskCompletionSource? _paused;

    /// <summary>Set while the writer is held (<see cref="Pause"/>); lanes wait on it before their next commit.</summary>
    internal TaskCompletionSource? Paused => _paused;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        catalog.Publish(await store.LoadCatalogAsync(cancellationToken));
        var pending = new PendingRollups();
        var count = store.SharedByNodes ? Math.Max(1, options.SharedStoreWriters) : 1;
        for (var i = 0; i < count; i++)
        {
            var session = store.OpenWriteSession();
            var lane = new WriterLane(this, session, store, ingestor, catalog, options, time, pending, logger);
            lane.Start(i == 0 ? null : _lanes[0].Lane.Coverage);
            _lanes.Add((lane, session));
        }

        for (var i = 0; i < _lanes.Count; i++)
        {
            var lane = _lanes[i].Lane;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    lane.Run();
                    done.SetResult();
                }
                catch (Exception exception)
                {
                    done.SetException(exception);
                }
            })
            {
                IsBackground = true,
                Name = $"tollgate-writer-{i}",
            };
            thread.Start();
            _loops.Add(done.Task);
        }
    }

    /// <summary>Stops taking requests, commits everything already queued, then closes the sessions.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ingestor.Complete();
        Resume();
        await Task.WhenAll(_loops);
        foreach (var (_, session) in _lanes)
        {
            session.Dispose();
        }
    }

    /// <summary>Holds the writer before its next commit; for tests of a full queue.</summary>
    internal IDisposable Pause()
    {
        _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new Resumer(this);
    }

    private void Resume() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    private sealed class Resumer(MeteringWriter writer) : IDisposable
    {
        public void Dispose() => writer.Resume();
    }
}
