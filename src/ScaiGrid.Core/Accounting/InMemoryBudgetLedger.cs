namespace ScaiGrid.Core.Accounting;

/// <summary>The ledger of a single process: one lock makes each reservation atomic across all its budgets.</summary>
public sealed class InMemoryBudgetLedger(TimeProvider time) : IBudgetLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, DateTimeOffset At)> _settledOrder = new();

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
            if (!_settled.Add(reservationId))
            {
                return ValueTask.FromResult<IReadOnlyList<int>>([]);
            }

            _settledOrder.Enqueue((reservationId, time.GetUtcNow()));
            ForgetOldSettlements();
            if (_reservations.Remove(reservationId, out var reservation))
            {
                foreach (var key in reservation.Keys)
                {
                    _counters[key].Reserved -= reservation.Amount;
                }
            }

            var crossed = new List<int>();
            for (var i = 0; i < lines.Count; i++)
            {
                var counter = _counters.TryGetValue(lines[i].CounterKey, out var c) ? c : _counters[lines[i].CounterKey] = new Counter();
                var before = counter.Committed;
                counter.Committed += actual;
                if (lines[i].ThresholdNanoUsd > 0 && before < lines[i].ThresholdNanoUsd && counter.Committed >= lines[i].ThresholdNanoUsd)
                {
                    crossed.Add(i);
                }
            }

            return ValueTask.FromResult<IReadOnlyList<int>>(crossed);
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
            var expired = _reservations.Where(r => r.Value.ExpiresAt <= now).Select(r => r.Key).ToList();
            foreach (var id in expired)
            {
                var reservation = _reservations[id];
                _reservations.Remove(id);
                foreach (var key in reservation.Keys)
                {
                    _counters[key].Reserved -= reservation.Amount;
                }
            }

            return ValueTask.FromResult(expired.Count);
        }
    }

    /// <summary>Settled ids are remembered for a day: long enough to make a repeated settle a no-op.</summary>
    private void ForgetOldSettlements()
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(1);
        while (_settledOrder.Count > 0 && _settledOrder.Peek().At < cutoff)
        {
            _settled.Remove(_settledOrder.Dequeue().Id);
        }
    }

    private sealed class Counter
    {
        public long Committed { get; set; }

        public long Reserved { get; set; }
    }

    private sealed record Reservation(string[] Keys, long Amount, DateTimeOffset ExpiresAt);
}
