using Microsoft.Extensions.Logging;
using Tollgate.Store;

namespace Tollgate.Billing.Storage;

/// <summary>
/// The current <see cref="BillingState"/> of this node and the one way to change it. Reads never touch the store;
/// a change is decided on the latest stored state under the store's lock, so two nodes (or two requests) cannot
/// both take the same key, and is visible here as soon as it returns. Changes made by other nodes arrive through
/// <see cref="RefreshAsync"/>, which <see cref="BillingRefresher"/> runs every 250 ms.
/// </summary>
public sealed class BillingRepository : IDisposable
{
    private readonly BillingStore _store;
    private readonly Dictionary<string, IDocumentKind> _kinds;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private BillingState _current = BillingState.Empty;

    internal BillingRepository(BillingStore store, IEnumerable<IDocumentKind> kinds, TimeProvider time)
    {
        _store = store;
        _kinds = kinds.ToDictionary(k => k.Name, StringComparer.Ordinal);
        _time = time;
    }

    public BillingState Current => Volatile.Read(ref _current);

    /// <summary>The clock every billing change and view reads.</summary>
    public TimeProvider Time => _time;

    /// <summary>
    /// Runs <paramref name="change"/> on the latest state and stores what it put, atomically; returns its result.
    /// A <see cref="BillingException"/> (or any other) thrown by <paramref name="change"/> stores nothing.
    /// </summary>
    public async Task<TResult> ChangeAsync<TResult>(Func<BillingChange, TResult> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var before = Current;
            BillingState? decided = null;
            TResult result = default!;
            var version = await _store.ChangeAsync(before.Version, (stored, newer) =>
            {
                var latest = Apply(before, newer, stored);
                var pending = new BillingChange(latest, Truncate(_time.GetUtcNow()));
                result = change(pending);
                decided = pending.State;
                return [.. pending.Writes.Select(w => new DocumentRow(w.Kind.Name, w.Id, stored + 1, w.Document is null ? null : w.Kind.Serialize(w.Document)))];
            }, cancellationToken);
            Volatile.Write(ref _current, decided!.WithVersion(version));
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Picks up changes stored by other nodes (or before this one started).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var before = Current;
            var (version, rows) = await _store.ReadSinceAsync(before.Version, cancellationToken);
            if (version != before.Version)
            {
                Volatile.Write(ref _current, Apply(before, rows, version));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Times as the API shows them: milliseconds, UTC.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private BillingState Apply(BillingState state, List<DocumentRow> rows, long version)
    {
        foreach (var row in rows)
        {
            // A kind this build does not know (written by a newer node) is skipped, not fatal.
            if (_kinds.TryGetValue(row.Kind, out var kind))
            {
                state = state.With(row.Kind, row.Id, row.Body is null ? null : kind.Deserialize(row.Body), version);
            }
        }

        return state.WithVersion(version);
    }
}

/// <summary>Loads billing before the listeners open, then picks up other nodes' changes every 250 ms.</summary>
internal sealed partial class BillingRefresher(BillingRepository repository, TimeProvider time, ILogger<BillingRefresher> logger)
    : Refresher(TimeSpan.FromMilliseconds(250), time)
{
    protected override Task RefreshAsync(CancellationToken cancellationToken) => repository.RefreshAsync(cancellationToken);

    protected override void OnRefreshFailed(Exception exception) => LogRefreshFailed(logger, exception);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Checking billing for changes from other nodes failed; this node keeps what it has and tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
