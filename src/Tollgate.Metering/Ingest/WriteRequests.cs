using Tollgate.Metering.Events;
using Tollgate.Metering.Meters;
using Tollgate.Metering.Storage;

namespace Tollgate.Metering.Ingest;

/// <summary>Work for the single writer; completes once its transaction has committed (or failed).</summary>
internal abstract class WriteRequest
{
    public TaskCompletionSource<object?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Events from one ingest request, with contributions computed against <see cref="Snapshot"/>.</summary>
internal sealed class IngestRequest(IReadOnlyList<EventRecord> events, MeterContribution[][] contributions, MeterSnapshot snapshot) : WriteRequest
{
    public IReadOnlyList<EventRecord> Events { get; } = events;

    public MeterContribution[][] Contributions { get; } = contributions;

    public MeterSnapshot Snapshot { get; } = snapshot;
}

/// <summary>A change to the meter catalog, run inside a writer transaction so it orders cleanly with ingest.</summary>
internal sealed class MeterChange(Func<IMeteringWriteSession, IReadOnlyList<Meter>, object?> apply) : WriteRequest
{
    public Func<IMeteringWriteSession, IReadOnlyList<Meter>, object?> Apply { get; } = apply;
}
