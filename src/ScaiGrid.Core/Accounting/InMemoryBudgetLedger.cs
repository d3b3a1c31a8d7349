namespace ScaiGrid.Core.Accounting;

/// <summary>
/// The ledger of a single process: one lock makes each reservation atomic across all its budgets.
/// Memory is bounded by the requests in flight: a settled reservation is forgotten at once (settling it
/// again finds nothing and does nothing), and only a reclaimed one stays behind, as a tombstone for
/// <see cref="BudgetLedgerLimits.LapsedRetention"/>, so that its request's late settle still commits.
/// </summary>
public sealed class InMemoryBudgetLedger(TimeProvider time) : IBudgetLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);

    /// <summary>Reservations held or lapsed (for tests: proves the ledger does not grow with traffic).</summary>
    internal int TrackedReservations
    {
        get
        {
            lock (_gate)
            {
                return _reservations.Count;
            }
        }
    }

    public ValueTask<ReserveResult> ReserveAsync(string reservationId, IReadOnlyList<LedgerLine> lines, long amount, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        // Built before taking the lock: every request of the process passes through this one critical section.
        var keys = new string[lines.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = lines[i].CounterKey;
        }

        lock (_gate)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (!_counters.TryGetValue(lines[i].CounterKey, out var counter))
                {
                    return ValueTask.FromResult(new ReserveResult(ReserveStatus.NeedsSeed, i));
                }

                if (counter.Committed + counter.Reserved + amount > lines[i].LimitNanoUsd)
                {
                    return ValueTask.FromResult(new ReserveResult(ReserveStatus.Exceeded, i));
                }
            }

            foreach (var line in lines)
            {
                _counters[line.CounterKey].Reserved += amount;
            }

            _reservations[reservationId] = new Reservation(keys, amount, time.GetUtcNow() + ttl);
            return ValueTask.FromResult(new ReserveResult(ReserveStatus.Reserved, -1));
        }
    }

    public ValueTask<IReadOnlyList<int>> SettleAsync(string reservationId, IReadOnlyList<LedgerLine> lines, long actual, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // Unknown: settled before (or never reserved) — committing again would count the request twice.
            if (!_reservations.Remove(reservationId, out var reservation))
            {
                return ValueTask.FromResult<IReadOnlyList<int>>([]);
            }

            if (reservation.LapsedAt is null)
            {
                foreach (var key in reservation.Keys)
                {
                    _counters[key].Reserved -= reservation.Amount;
                }
            }

            List<int>? crossed = null;
            for (var i = 0; i < lines.Count; i++)
            {
                var counter = _counters.TryGetValue(lines[i].CounterKey, out var c) ? c : _counters[lines[i].CounterKey] = new Counter();
                var before = counter.Committed;
                counter.Committed += actual;
                if (lines[i].ThresholdNanoUsd > 0 && before < lines[i].ThresholdNanoUsd && counter.Committed >= lines[i].ThresholdNanoUsd)
                {
                    (crossed ??= []).Add(i);
                }
            }

            return ValueTask.FromResult<IReadOnlyList<int>>(crossed is null ? [] : crossed);
        }
    }

    public ValueTask SeedAsync(string counterKey, long committed, TimeSpan? ttl, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _counters.TryAdd(counterKey, new Counter { Committed = committed });
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<(long Committed, long Reserved)> ReadAsync(string counterKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_counters.TryGetValue(counterKey, out var c) ? (c.Committed, c.Reserved) : (0L, 0L));
        }
    }

    public ValueTask<int> ReclaimExpiredAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var forgetBefore = now - BudgetLedgerLimits.LapsedRetention;
            var reclaimed = 0;
            List<string>? forgotten = null;
            foreach (var (id, reservation) in _reservations)
            {
                if (reservation.LapsedAt is { } lapsedAt)
                {
                    if (lapsedAt <= forgetBefore)
                    {
                        (forgotten ??= []).Add(id);
                    }

                    continue;
                }

                if (reservation.ExpiresAt > now)
                {
                    continue;
                }

                foreach (var key in reservation.Keys)
                {
                    _counters[key].Reserved -= reservation.Amount;
                }

                reservation.LapsedAt = now;
                reclaimed++;
            }

            foreach (var id in forgotten ?? [])
            {
                _reservations.Remove(id);
            }

            return ValueTask.FromResult(reclaimed);
        }
    }

    private sealed class Counter
    {
        public long Committed { get; set; }

        public long Reserved { get; set; }
    }

    private sealed class Reservation(string[] keys, long amount, DateTimeOffset expiresAt)
    {
        public string[] Keys { get; } = keys;

        public long Amount { get; } = amount;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        /// <summary>When the reclaimer released it (its request never settled in time); null while held.</summary>
        public DateTimeOffset? LapsedAt { get; set; }
    }
}
