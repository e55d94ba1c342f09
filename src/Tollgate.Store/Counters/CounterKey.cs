namespace Tollgate.Store.Counters;

/// <summary>
/// One shared counter: a name (e.g. a consumer's token limit) and the window it counts in, start-inclusive and
/// end-exclusive. A new window starts a new counter at zero; windows that ended a day ago are deleted.
/// </summary>
public readonly record struct CounterKey
{
    public CounterKey(string name, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (windowEnd <= windowStart)
        {
            throw new ArgumentException("a counter's window must end after it starts", nameof(windowEnd));
        }

        Name = name;
        WindowStart = windowStart.ToUniversalTime();
        WindowEnd = windowEnd.ToUniversalTime();
    }

    public string Name { get; }

    public DateTimeOffset WindowStart { get; }

    public DateTimeOffset WindowEnd { get; }

    /// <summary>A counter that never resets.</summary>
    public static CounterKey Unbounded(string name) => new(name, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue);
}

/// <summary>
/// The answer to a reservation. When <see cref="IsGranted"/>, <see cref="Amount"/> is held against the limit until
/// it is settled with <see cref="SharedCounters.Settle"/>; a denied reservation holds nothing.
/// </summary>
public readonly struct CounterReservation
{
    internal CounterReservation(CounterSlot slot, decimal amount, decimal remaining)
    {
        Slot = slot;
        Amount = amount;
        Remaining = remaining;
    }

    internal CounterSlot? Slot { get; }

    public bool IsGranted => Slot is not null;

    public decimal Amount { get; }

    /// <summary>
    /// What this node could still grant from memory after this answer, a lower bound of what is left under the
    /// limit (other nodes may hold budget too).
    /// </summary>
    public decimal Remaining { get; }

    internal static CounterReservation Denied(decimal amount, decimal remaining) => new(null!, amount, remaining);
}

/// <summary>What the store holds for one counter: settled usage from every node, and budget nodes hold now.</summary>
public sealed record CounterReading(decimal Used, decimal Held);

/// <summary>How the shared counters trade round trips against how much budget a node holds.</summary>
public sealed record CounterOptions
{
    /// <summary>How often settled usage reaches the store and leases are renewed or given back.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a lease lives without renewal; a node that dies loses its budget to the limit for this long.</summary>
    public TimeSpan LeaseLifetime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A counter unused for this long gives its unreserved budget back so other nodes can use it.</summary>
    public TimeSpan IdleRelease { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many more reservations of the size just asked a node takes with the one it needs, so that the next
    /// ones are served from memory. A node never takes more than half of what is left beyond its need, so near the limit leases shrink
    /// and every node still gets its share.
    /// </summary>
    public int Prefetch { get; init; } = 16;

    /// <summary>
    /// A busy counter leases enough for this long at the rate it was reserved since its last refill (when that is
    /// more than <see cref="Prefetch"/> reservations), so a counter under heavy traffic goes to the store a few
    /// times a second, not every few reservations. The half-of-what-is-left rule still applies.
    /// </summary>
    public TimeSpan RefillHorizon { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a denial is answered from memory before the store is asked again (the limit unchanged).</summary>
    public TimeSpan DenialCache { get; init; } = TimeSpan.FromMilliseconds(100);
}
