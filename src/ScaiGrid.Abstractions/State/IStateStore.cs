namespace ScaiGrid.Abstractions.State;

/// <summary>
/// Real-time shared state: counters, short-lived values, leases. In-process on the embedded default,
/// Redis when <c>SCAIGRID_REDIS_URL</c> is set — the same contract, so several replicas behave as one.
/// </summary>
public interface IStateStore
{
    /// <summary>"memory" or "redis".</summary>
    string Kind { get; }

    ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    ValueTask SetAsync(string key, string value, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Sets the value only when the key is absent; true when this call set it (a lease).</summary>
    ValueTask<bool> SetIfAbsentAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Atomically adds <paramref name="delta"/> and returns the new value; the TTL is set when the key is created.</summary>
    ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Round-trips to the store; used by /health.</summary>
    ValueTask PingAsync(CancellationToken cancellationToken = default);
}
