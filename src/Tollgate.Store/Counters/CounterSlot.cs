namespace Tollgate.Store.Counters;

/// <summary>
/// This node's side of one counter. The budget it leased from the store is spent three ways: settled usage not yet
/// flushed (<see cref="Consumed"/>), reservations in flight (<see cref="Reserved"/>), and the rest, which the next
/// reservation takes without a round trip. Fields are guarded by locking the slot; one exchange with the store runs
/// at a time (<see cref="Exchange"/>).
/// </summary>
internal sealed class CounterSlot(CounterKey key)
{
    public CounterKey Key { get; } = key;

    public SemaphoreSlim Exchange { get; } = new(1, 1);

    /// <summary>The lease as the store last recorded it.</summary>
    public decimal Lease { get; set; }

    public decimal Consumed { get; set; }

    public decimal Reserved { get; set; }

    /// <summary>Until when (a <see cref="TimeProvider"/> timestamp) the lease may be spent without renewing it.</summary>
    public long LeaseValidUntil { get; set; }

    public long LastExchange { get; set; }

    public long LastUsed { get; set; }

    /// <summary>What was reserved since <see cref="DemandSince"/> (the last refill), to size the next lease by.</summary>
    public decimal Demand { get; set; }

    public long DemandSince { get; set; }

    /// <summary>
    /// Set while an exchange sizes a new lease from a snapshot: the snapshot's unreserved budget must not be
    /// spent meanwhile, so reservations wait for the exchange instead.
    /// </summary>
    public bool Frozen { get; set; }

    /// <summary>The slot has given everything back and left the node's table; look the key up again.</summary>
    public bool Retired { get; set; }

    /// <summary>The limit the last exchange for a reservation used; a flush judges a lost lease by it.</summary>
    public decimal Limit { get; set; } = decimal.MaxValue;

    public long DeniedUntil { get; set; }

    public decimal DeniedLimit { get; set; }

    /// <summary>What the store had left beyond this node's lease when the last reservation was denied.</summary>
    public decimal DeniedFree { get; set; }

    public decimal Available => Lease - Consumed - Reserved;
}
