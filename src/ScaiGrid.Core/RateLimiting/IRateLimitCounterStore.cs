namespace ScaiGrid.Core.RateLimiting;

/// <summary>One limited scope of a request, as the counter store sees it. Null limits are not checked.</summary>
public readonly record struct RateLimitScope(string ScopeType, string ScopeId, int? Rpm, long? Tpm);

/// <summary>Which dimension turned a request away.</summary>
public enum RateLimitMetric
{
    None,
    Requests,
    Tokens,
}

/// <summary>
/// What the store saw in the window. <see cref="Requests"/>[i] is scope i's request count including this
/// request when admitted (0 when the scope has no rpm); <see cref="Tokens"/>[i] its token count (0 without tpm).
/// </summary>
public sealed record RateLimitCounts(int RejectedIndex, RateLimitMetric RejectedBy, long[] Requests, long[] Tokens)
{
    public bool Allowed => RejectedIndex < 0;
}

/// <summary>
/// Per-minute request and token counters. Fixed windows: <c>window</c> is the Unix minute
/// (<c>unix_ms / 60000</c>) computed by the caller, so every replica with a synchronised clock uses the
/// same bucket and tests can move the clock. In-process on the embedded default, Redis when configured —
/// both pass <c>RateLimitCounterStoreContractTests</c>.
/// </summary>
public interface IRateLimitCounterStore
{
    /// <summary>"memory" or "redis".</summary>
    string Kind { get; }

    /// <summary>
    /// Atomically: a scope rejects when its requests + 1 would exceed rpm, or its tokens already reach tpm;
    /// only when no scope rejects is the request counted against every scope that has an rpm (all or nothing).
    /// The first rejecting scope in list order is reported.
    /// </summary>
    ValueTask<RateLimitCounts> AcquireAsync(string partition, IReadOnlyList<RateLimitScope> scopes, long window, CancellationToken cancellationToken);

    /// <summary>Adds settled tokens to the window of every scope that has a tpm.</summary>
    ValueTask AddTokensAsync(string partition, IReadOnlyList<RateLimitScope> scopes, long window, long tokens, CancellationToken cancellationToken);
}
