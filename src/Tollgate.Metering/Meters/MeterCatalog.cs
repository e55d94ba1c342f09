using System.Collections.Frozen;

namespace Tollgate.Metering.Meters;

/// <summary>An immutable view of all meters, swapped whole when a meter changes.</summary>
public sealed class MeterSnapshot
{
    private readonly FrozenDictionary<string, CompiledMeter[]> _byEventType;
    private readonly FrozenDictionary<long, CompiledMeter> _byNumber;

    public MeterSnapshot(long version, IReadOnlyList<Meter> all, long storedVersion = 0)
    {
        ArgumentNullException.ThrowIfNull(all);
        Version = version;
        StoredVersion = storedVersion;
        All = all;
        var live = all.Where(m => m.DeletedAt is null).Select(m => new CompiledMeter(m)).ToArray();
        _byNumber = live.ToFrozenDictionary(m => m.Meter.Number);
        _byEventType = live.GroupBy(m => m.Meter.EventType, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public long Version { get; }

    /// <summary>The store's catalog version these meters were read at; every meter change and build step bumps it.</summary>
    public long StoredVersion { get; }

    /// <summary>Every meter, deleted ones included.</summary>
    public IReadOnlyList<Meter> All { get; }

    public IEnumerable<CompiledMeter> Live => _byNumber.Values;

    /// <summary>Live meters that aggregate events of <paramref name="eventType"/>.</summary>
    public ReadOnlySpan<CompiledMeter> ForEventType(string eventType) =>
        _byEventType.TryGetValue(eventType, out var meters) ? meters : [];

    public CompiledMeter? ByNumber(long number) => _byNumber.GetValueOrDefault(number);

    /// <summary>Finds a live meter by id or slug.</summary>
    public CompiledMeter? Find(string idOrSlug)
    {
        foreach (var meter in _byNumber.Values)
        {
            if (meter.Meter.Id == idOrSlug || meter.Meter.Slug == idOrSlug)
            {
                return meter;
            }
        }

        return null;
    }
}

/// <summary>Holds the current <see cref="MeterSnapshot"/>; readers never lock.</summary>
public sealed class MeterCatalog
{
    private readonly Lock _publishing = new();
    private MeterSnapshot _current = new(0, []);

    public MeterSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Swaps in meters as stored; a read older than the current one (a slower reader) is dropped.</summary>
    internal void Publish(StoredCatalog stored)
    {
        lock (_publishing)
        {
            if (stored.Version >= Current.StoredVersion)
            {
                Volatile.Write(ref _current, new MeterSnapshot(Current.Version + 1, stored.Meters, stored.Version));
            }
        }
    }
}

/// <summary>All meters, deleted ones included, as of the store's catalog version.</summary>
public sealed record StoredCatalog(long Version, IReadOnlyList<Meter> Meters);
