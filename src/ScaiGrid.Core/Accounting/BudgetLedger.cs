namespace ScaiGrid.Core.Accounting;

/// <summary>One budget counted by a reservation: its counter key, its limit, and the soft threshold (0 = none).</summary>
public readonly record struct LedgerLine(string CounterKey, long LimitNanoUsd, long ThresholdNanoUsd, TimeSpan? Ttl);

public enum ReserveStatus
{
    Reserved,

    /// <summary>Committed + reserved + this request would pass the limit of <see cref="ReserveResult.Line"/>.</summary>
    Exceeded,

    /// <summary>The counter of <see cref="ReserveResult.Line"/> does not exist yet: seed it from the database and retry.</summary>
    NeedsSeed,
}

public readonly record struct ReserveResult(ReserveStatus Status, int Line);

public static class BudgetLedgerLimits
{
    /// <summary>How long a reclaimed reservation is remembered for its request's late settle.</summary>
    public static readonly TimeSpan LapsedRetention = TimeSpan.FromHours(24);
}

/// <summary>
/// Committed and reserved spend per budget window, with atomic multi-budget reservations. In-process on
/// the embedded default, Redis (Lua) across replicas — both pass one contract suite.
/// </summary>
public interface IBudgetLedger
{
    /// <summary>
    /// Atomically: if every line has committed + reserved + <paramref name="amount"/> ≤ its limit, adds the
    /// amount to every line's reserved spend and records the reservation (reclaimed after <paramref name="ttl"/>
    /// if never settled); otherwise changes nothing.
    /// </summary>
    ValueTask<ReserveResult> ReserveAsync(string reservationId, IReadOnlyList<LedgerLine> lines, long amount, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits <paramref name="actual"/> to every line for a reservation made by <see cref="ReserveAsync"/>,
    /// releasing it if still held (a reclaimed one is remembered for <see cref="BudgetLedgerLimits.LapsedRetention"/>,
    /// so a late settle still commits). The reservation is then forgotten: settling it again, or settling an
    /// id never reserved, does nothing — the ledger holds no per-request state once a request is done.
    /// Returns the indexes of lines whose soft threshold this commit crossed.
    /// </summary>
    ValueTask<IReadOnlyList<int>> SettleAsync(string reservationId, IReadOnlyList<LedgerLine> lines, long actual, CancellationToken cancellationToken = default);

    /// <summary>Sets a window's committed spend if it has no counter yet (loaded from usage records).</summary>
    ValueTask SeedAsync(string counterKey, long committed, TimeSpan? ttl, CancellationToken cancellationToken = default);

    /// <summary>Committed and reserved spend of one counter (for tests, usage views and the threshold check).</summary>
    ValueTask<(long Committed, long Reserved)> ReadAsync(string counterKey, CancellationToken cancellationToken = default);

    /// <summary>Releases reservations whose request died (its process crashed) past their time to live. Returns how many.</summary>
    ValueTask<int> ReclaimExpiredAsync(CancellationToken cancellationToken = default);
}
