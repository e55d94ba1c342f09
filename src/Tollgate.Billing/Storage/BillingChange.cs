namespace Tollgate.Billing.Storage;

/// <summary>
/// One change in the making: the state it started from plus everything put so far (so a later step sees an
/// earlier one), and the writes to store. Throwing a <see cref="BillingException"/> drops the whole change.
/// </summary>
public sealed class BillingChange
{
    private readonly Dictionary<(string Kind, string Id), (IDocumentKind Kind, IBillingDocument? Document)> _writes = [];

    internal BillingChange(BillingState state, DateTimeOffset now)
    {
        State = state;
        Now = now;
    }

    /// <summary>The state with this change's writes so far.</summary>
    public BillingState State { get; private set; }

    /// <summary>The moment of the change, from the injected clock, truncated to milliseconds as the API shows times.</summary>
    public DateTimeOffset Now { get; }

    internal IEnumerable<(IDocumentKind Kind, string Id, IBillingDocument? Document)> Writes =>
        _writes.Select(w => (w.Value.Kind, w.Key.Id, w.Value.Document));

    internal int WriteCount => _writes.Count;

    public T Put<T>(DocumentKind<T> kind, T document)
        where T : class, IBillingDocument
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(document);
        _writes[(kind.Name, document.Id)] = (kind, document);
        State = State.With(kind.Name, document.Id, document, State.Version);
        return document;
    }

    /// <summary>Removes a document for good; most documents are archived or soft-deleted instead, as OpenMeter does.</summary>
    public void Delete<T>(DocumentKind<T> kind, string id)
        where T : class, IBillingDocument
    {
        ArgumentNullException.ThrowIfNull(kind);
        _writes[(kind.Name, id)] = (kind, null);
        State = State.With(kind.Name, id, null, State.Version);
    }
}
