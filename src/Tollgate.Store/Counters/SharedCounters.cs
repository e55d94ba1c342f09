using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tollgate.Store.Counters;

/// <summary>
/// Counters that limits and reservations share across every node of one store: reserve before the work, settle
/// with what it really used after. A reservation is granted only while everything settled or reserved on every
/// node stays within the limit, so concurrency never overruns it; only a settle larger than its reservation can.
/// <para>
/// The hot path is memory. Each node leases budget from the store's counter (an exchange: one short transaction
/// under the counter's row lock) and grants reservations from its lease until it runs out. A node takes at most
/// half of what is left beyond its need, so near the limit leases shrink and nodes share what remains; a counter
/// idle for <see cref="CounterOptions.IdleRelease"/> gives its lease back. Settled usage reaches the store every
/// <see cref="CounterOptions.FlushInterval"/>. A node that dies stops renewing its lease, and once the lease expires
/// the others count it as spent: a crash can deny a little early, never grant too much.
/// </para>
/// </summary>
public sealed partial class SharedCounters : IAsyncDisposable
{
    private readonly ConcurrentDictionary<CounterKey, CounterSlot> _slots = new();
    private readonly CounterLedger _ledger;
    private readonly CounterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SharedCounters> _logger;

    internal SharedCounters(CounterLedger ledger, CounterOptions options, TimeProvider time, ILogger<SharedCounters> logger)
    {
        _ledger = ledger;
        _options = options;
        _time = time;
        _logger = logger;
        Holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    }

    /// <summary>This node's name on its leases.</summary>
    public string Holder { get; }

    /// <summary>
    /// Reserves <paramref name="amount"/> under <paramref name="limit"/>. Served from this node's lease when it can
    /// (no allocation, no I/O); otherwise one exchange with the store decides. Settle every granted reservation.
    /// </summary>
    public ValueTask<CounterReservation> ReserveAsync(CounterKey key, decimal limit, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var slot = _slots.GetOrAdd(key, static k => new CounterSlot(k));
        var now = _time.GetTimestamp();
        lock (slot)
        {
            if (TryGrantFromMemory(slot, limit, amount, now, out var answer))
            {
                return ValueTask.FromResult(answer);
            }
        }

        return ReserveFromStoreAsync(key, limit, amount, cancellationToken);
    }

    /// <summary>Ends a granted reservation with what the work really used (zero when it did not happen).</summary>
    public void Settle(CounterReservation reservation, decimal used)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(used);
        var slot = reservation.Slot ?? throw new ArgumentException("a denied reservation holds nothing to settle", nameof(reservation));
        lock (slot)
        {
            slot.Reserved -= reservation.Amount;
            slot.Consumed += used;
            slot.LastUsed = _time.GetTimestamp();
        }
    }

    /// <summary>Counts usage that needed no reservation (it is allowed past the limit, as a settle is).</summary>
    public void Record(CounterKey key, decimal used)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(used);
        while (true)
        {
            var slot = _slots.GetOrAdd(key, static k => new CounterSlot(k));
            lock (slot)
            {
                if (!slot.Retired)
                {
                    slot.Consumed += used;
                    slot.LastUsed = _time.GetTimestamp();
                    return;
                }
            }
        }
    }

    /// <summary>
    /// What every node has settled on the counter, with this node's usage not flushed yet, and the budget leased out
    /// now (reserved or not).
    /// </summary>
    public async Task<CounterReading> ReadAsync(CounterKey key, CancellationToken cancellationToken = default)
    {
        var stored = await _ledger.ReadAsync(key, cancellationToken);
        if (_slots.TryGetValue(key, out var slot))
        {
            lock (slot)
            {
                return stored with { Used = stored.Used + slot.Consumed };
            }
        }

        return stored;
    }

    /// <summary>
    /// Sends settled usage to the store, renews leases in use and gives back idle ones; the background flusher
    /// calls it every <see cref="CounterOptions.FlushInterval"/>. With <paramref name="releaseAll"/> every lease
    /// shrinks to what is reserved (on shutdown).
    /// </summary>
    public async Task FlushAsync(bool releaseAll = false, CancellationToken cancellationToken = default)
    {
        foreach (var slot in _slots.Values)
        {
            try
            {
                await FlushSlotAsync(slot, releaseAll, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFlushFailed(_logger, slot.Key.Name, exception);
            }
        }
    }

    /// <summary>Deletes counters whose window ended before <paramref name="endedBefore"/>.</summary>
    public Task<int> DeleteEndedAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken = default) =>
        _ledger.DeleteEndedAsync(endedBefore, cancellationToken);

    /// <summary>Flushes and gives every unreserved lease back.</summary>
    public async ValueTask DisposeAsync() => await FlushAsync(releaseAll: true, CancellationToken.None);

    private static bool TryGrantFromMemory(CounterSlot slot, decimal limit, decimal amount, long now, out CounterReservation answer)
    {
        if (!slot.Retired && !slot.Frozen)
        {
            if (now < slot.LeaseValidUntil && slot.Available >= amount)
            {
                slot.Reserved += amount;
                slot.Demand += amount;
                slot.LastUsed = now;
                answer = new CounterReservation(slot, amount, slot.Available);
                return true;
            }

            if (now < slot.DeniedUntil && limit == slot.DeniedLimit && amount > slot.DeniedFree + Math.Max(0m, slot.Available))
            {
                answer = CounterReservation.Denied(amount, slot.DeniedFree + Math.Max(0m, slot.Available));
                return true;
            }
        }

        answer = default;
        return false;
    }

    private async ValueTask<CounterReservation> ReserveFromStoreAsync(CounterKey key, decimal limit, decimal amount, CancellationToken cancellationToken)
    {
        while (true)
        {
            var slot = _slots.GetOrAdd(key, static k => new CounterSlot(k));
            await slot.Exchange.WaitAsync(cancellationToken);
            try
            {
                decimal consumed, heldBefore, remainder, available, prefetch;
                var now = _time.GetTimestamp();
                lock (slot)
                {
                    if (slot.Retired)
                    {
                        continue;
                    }

                    // Another reservation may have refilled the lease while this one waited.
                    if (TryGrantFromMemory(slot, limit, amount, now, out var answer))
                    {
                        return answer;
                    }

                    slot.Frozen = true;
                    slot.Limit = limit;
                    consumed = slot.Consumed;
                    heldBefore = slot.Lease;
                    remainder = heldBefore - consumed;
                    available = Math.Max(0m, slot.Available);
                    prefetch = Prefetch(slot, amount, now);
                }

                var granted = false;
                var free = 0m;
                decimal hold;
                try
                {
                    (_, hold) = await _ledger.ExchangeAsync(key, Holder, consumed, heldBefore, view =>
                    {
                        // The remainder of the lease stays held: it covers the reservations in flight.
                        var kept = view.LeaseLost ? Math.Min(remainder, Math.Max(0m, limit - view.Used - view.OthersHeld)) : Math.Max(0m, remainder);
                        free = limit - view.Used - view.OthersHeld - kept;
                        var need = amount - Math.Min(available, kept);
                        if (need > free)
                        {
                            return kept;
                        }

                        granted = true;
                        return kept + need + Math.Min(prefetch, (free - need) / 2m);
                    }, _options.LeaseLifetime, cancellationToken);
                }
                catch
                {
                    lock (slot)
                    {
                        slot.Frozen = false;
                    }

                    throw;
                }

                lock (slot)
                {
                    Exchanged(slot, consumed, hold, now);
                    if (!granted)
                    {
                        slot.DeniedUntil = now + Ticks(_options.DenialCache);
                        slot.DeniedLimit = limit;
                        slot.DeniedFree = Math.Max(0m, free);
                        return CounterReservation.Denied(amount, Math.Max(0m, free) + Math.Max(0m, slot.Available));
                    }

                    slot.DeniedUntil = 0;
                    slot.Demand = amount;
                    slot.DemandSince = now;
                    slot.Reserved += amount;
                    slot.LastUsed = now;
                    return new CounterReservation(slot, amount, slot.Available);
                }
            }
            finally
            {
                slot.Exchange.Release();
            }
        }
    }

    private async Task FlushSlotAsync(CounterSlot slot, bool releaseAll, CancellationToken cancellationToken)
    {
        await slot.Exchange.WaitAsync(cancellationToken);
        try
        {
            decimal consumed, remainder, reserved, heldBefore, limit;
            bool release;
            var now = _time.GetTimestamp();
            lock (slot)
            {
                if (slot.Retired)
                {
                    return;
                }

                release = releaseAll || now - slot.LastUsed >= Ticks(_options.IdleRelease);
                var renew = now - slot.LastExchange >= Ticks(_options.LeaseLifetime) / 2;
                if (slot.Consumed == 0m && !renew && !(release && slot.Lease > slot.Reserved))
                {
                    return;
                }

                // Giving budget back must not race with a reservation spending it; keeping it may.
                slot.Frozen = release;
                consumed = slot.Consumed;
                heldBefore = slot.Lease;
                remainder = heldBefore - consumed;
                reserved = slot.Reserved;
                limit = slot.Limit;
            }

            decimal hold;
            try
            {
                (_, hold) = await _ledger.ExchangeAsync(slot.Key, Holder, consumed, heldBefore, view =>
                {
                    var keep = release ? reserved : Math.Max(0m, remainder);
                    return view.LeaseLost ? Math.Min(keep, Math.Max(0m, limit - view.Used - view.OthersHeld)) : keep;
                }, _options.LeaseLifetime, cancellationToken);
            }
            catch
            {
                lock (slot)
                {
                    slot.Frozen = false;
                }

                throw;
            }

            lock (slot)
            {
                Exchanged(slot, consumed, hold, now);
                if (release && hold == 0m && slot.Consumed == 0m && slot.Reserved == 0m)
                {
                    slot.Retired = true;
                    _slots.TryRemove(new KeyValuePair<CounterKey, CounterSlot>(slot.Key, slot));
                }
            }
        }
        finally
        {
            slot.Exchange.Release();
        }
    }

    /// <summary>How much more than it needs a refill takes: <see cref="CounterOptions.Prefetch"/> reservations, or the recent rate over the refill horizon.</summary>
    private decimal Prefetch(CounterSlot slot, decimal amount, long now)
    {
        var byCount = amount * _options.Prefetch;
        if (slot.DemandSince == 0 || slot.Demand == 0m)
        {
            return byCount;
        }

        var seconds = Math.Max(_time.GetElapsedTime(slot.DemandSince, now).TotalSeconds, 0.001);
        var byRate = Math.Round(slot.Demand / (decimal)seconds * (decimal)_options.RefillHorizon.TotalSeconds, 0, MidpointRounding.ToPositiveInfinity);
        return Math.Max(byCount, byRate);
    }

    private void Exchanged(CounterSlot slot, decimal consumed, decimal hold, long now)
    {
        slot.Consumed -= consumed;
        slot.Lease = hold;
        slot.LastExchange = now;

        // Spend the lease only in the first three quarters of its life: its expiry is judged by the store's clock.
        slot.LeaseValidUntil = now + Ticks(_options.LeaseLifetime) * 3 / 4;
        slot.Frozen = false;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Flushing counter {Counter} failed; its usage stays in memory and the next flush tries again")]
    private static partial void LogFlushFailed(ILogger logger, string counter, Exception exception);
}
