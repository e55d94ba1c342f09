using System.Text.Json;
using System.Threading.Channels;
using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;

namespace Tollgate.Metering.Ingest;

/// <summary>Outcome of handing events to the writer.</summary>
public enum IngestOutcome
{
    /// <summary>Committed to the store.</summary>
    Committed,

    /// <summary>The queue is full; nothing of the request was stored.</summary>
    Overloaded,

    /// <summary>The server is shutting down; nothing of the request was stored.</summary>
    ShuttingDown,
}

/// <summary>
/// The front of the ingest pipeline: computes each event's meter contributions on the caller's thread, then
/// queues the request for the single writer and waits for its commit.
/// </summary>
public sealed class EventIngestor
{
    private readonly Channel<WriteRequest> _queue;
    private readonly MeterCatalog _catalog;

    public EventIngestor(IngestOptions options, MeterCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        _queue = Channel.CreateBounded<WriteRequest>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    internal ChannelReader<WriteRequest> Reader => _queue.Reader;

    /// <summary>Requests waiting for the writer.</summary>
    internal int Queued => _queue.Reader.Count;

    /// <summary>Queues validated events and returns once they are committed, or at once if they cannot be queued.</summary>
    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<ParsedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var snapshot = _catalog.Current;
        var records = new EventRecord[events.Count];
        var contributions = new MeterContribution[events.Count][];
        for (var i = 0; i < events.Count; i++)
        {
            records[i] = events[i].Record;
            contributions[i] = Contribute(snapshot, events[i].Record, events[i].Data);
        }

        var request = new IngestRequest(records, contributions, snapshot);
        if (!_queue.Writer.TryWrite(request))
        {
            return _queue.Reader.Completion.IsCompleted ? IngestOutcome.ShuttingDown : IngestOutcome.Overloaded;
        }

        await request.Completion.Task;
        return IngestOutcome.Committed;
    }

    /// <summary>Runs a meter change in the writer and returns what it produced.</summary>
    internal async Task<object?> ChangeMetersAsync(Func<Storage.IMeteringWriteSession, IReadOnlyList<Meter>, object?> apply, CancellationToken cancellationToken)
    {
        var change = new MeterChange(apply);
        await _queue.Writer.WriteAsync(change, cancellationToken);
        return await change.Completion.Task;
    }

    internal void Complete() => _queue.Writer.TryComplete();

    /// <summary>What one event adds to each live meter of its type; events a meter cannot count add nothing to it.</summary>
    internal static MeterContribution[] Contribute(MeterSnapshot snapshot, EventRecord record, JsonElement data)
    {
        var meters = snapshot.ForEventType(record.Type);
        if (meters.IsEmpty)
        {
            return [];
        }

        var found = new List<MeterContribution>(meters.Length);
        foreach (var meter in meters)
        {
            if (meter.Extract(record.Subject, record.TimeTicks, data, out _) is { } contribution)
            {
                found.Add(contribution);
            }
        }

        return [.. found];
    }

    /// <summary>Same as <see cref="Contribute(MeterSnapshot, EventRecord, JsonElement)"/>, from stored JSON text.</summary>
    internal static MeterContribution[] Contribute(MeterSnapshot snapshot, EventRecord record)
    {
        if (snapshot.ForEventType(record.Type).IsEmpty)
        {
            return [];
        }

        if (record.Data is null)
        {
            return Contribute(snapshot, record, default);
        }

        using var document = JsonDocument.Parse(record.Data);
        return Contribute(snapshot, record, document.RootElement);
    }
}
