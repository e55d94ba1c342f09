using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Tollgate.Billing.Storage;

/// <summary>
/// Every billing document at one version, immutable: readers (the API, the gateway's access check) take
/// <see cref="BillingRepository.Current"/> and never lock. Lookups beyond id are built once per state with
/// <see cref="Index{TIndex}"/>.
/// </summary>
public sealed class BillingState
{
    private static readonly ImmutableDictionary<string, IBillingDocument> NoDocuments = ImmutableDictionary.Create<string, IBillingDocument>(StringComparer.Ordinal);

    private readonly ImmutableDictionary<string, ImmutableDictionary<string, IBillingDocument>> _documents;
    private readonly ConcurrentDictionary<Type, object> _indexes = new();

    private BillingState(long version, ImmutableDictionary<string, ImmutableDictionary<string, IBillingDocument>> documents)
    {
        Version = version;
        _documents = documents;
    }

    public static BillingState Empty { get; } = new(0, ImmutableDictionary.Create<string, ImmutableDictionary<string, IBillingDocument>>(StringComparer.Ordinal));

    /// <summary>The stored version this state was read at (0: nothing stored yet).</summary>
    public long Version { get; }

    /// <summary>Every document of <paramref name="kind"/>, in no particular order.</summary>
    public IEnumerable<T> All<T>(DocumentKind<T> kind)
        where T : class, IBillingDocument
    {
        ArgumentNullException.ThrowIfNull(kind);
        return Documents(kind.Name).Values.Cast<T>();
    }

    public int Count<T>(DocumentKind<T> kind)
        where T : class, IBillingDocument
    {
        ArgumentNullException.ThrowIfNull(kind);
        return Documents(kind.Name).Count;
    }

    public T? Find<T>(DocumentKind<T> kind, string id)
        where T : class, IBillingDocument
    {
        ArgumentNullException.ThrowIfNull(kind);
        return Documents(kind.Name).TryGetValue(id, out var document) ? (T)document : null;
    }

    /// <summary>A lookup derived from this state, built on first use and kept with it (one per index type).</summary>
    public TIndex Index<TIndex>(Func<BillingState, TIndex> build)
        where TIndex : class
    {
        ArgumentNullException.ThrowIfNull(build);
        return (TIndex)_indexes.GetOrAdd(typeof(TIndex), static (_, args) => args.build(args.state), (build, state: this));
    }

    internal BillingState With(string kind, string id, IBillingDocument? document, long version)
    {
        var documents = Documents(kind);
        documents = document is null ? documents.Remove(id) : documents.SetItem(id, document);
        return new BillingState(version, _documents.SetItem(kind, documents));
    }

    internal BillingState WithVersion(long version) => new(version, _documents);

    private ImmutableDictionary<string, IBillingDocument> Documents(string kind) =>
        _documents.TryGetValue(kind, out var documents) ? documents : NoDocuments;
}
