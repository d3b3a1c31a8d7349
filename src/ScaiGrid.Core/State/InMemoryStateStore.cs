using System.Collections.Concurrent;
using ScaiGrid.Abstractions.State;

namespace ScaiGrid.Core.State;

/// <summary>Real-time state for a single process (the embedded default). Expired keys are dropped lazily and by a sweep.</summary>
public sealed class InMemoryStateStore(TimeProvider time) : IStateStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _operations;

    public string Kind => "memory";

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryGetLive(key, out var entry) ? entry.Value : null);

    public ValueTask SetAsync(string key, string value, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        _entries[key] = new Entry(value, Expiry(ttl));
        Sweep();
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> SetIfAbsentAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var created = new Entry(value, Expiry(ttl));
        while (true)
        {
            if (_entries.TryAdd(key, created))
            {
                return ValueTask.FromResult(true);
            }

            if (_entries.TryGetValue(key, out var existing))
            {
                if (!IsExpired(existing))
                {
                    return ValueTask.FromResult(false);
                }

                if (_entries.TryUpdate(key, created, existing))
                {
                    return ValueTask.FromResult(true);
                }
            }
        }
    }

    public ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (!_entries.TryGetValue(key, out var existing) || IsExpired(existing))
            {
                var fresh = new Entry(delta.ToString(System.Globalization.CultureInfo.InvariantCulture), Expiry(ttl));
                if (existing is null ? _entries.TryAdd(key, fresh) : _entries.TryUpdate(key, fresh, existing))
                {
                    return ValueTask.FromResult(delta);
                }

                continue;
            }

            var value = long.Parse(existing.Value, System.Globalization.CultureInfo.InvariantCulture) + delta;
            if (_entries.TryUpdate(key, existing with { Value = value.ToString(System.Globalization.CultureInfo.InvariantCulture) }, existing))
            {
                return ValueTask.FromResult(value);
            }
        }
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_entries.TryRemove(key, out var removed) && !IsExpired(removed));

    public ValueTask PingAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    private bool TryGetLive(string key, out Entry entry)
    {
        if (_entries.TryGetValue(key, out entry!) && !IsExpired(entry))
        {
            return true;
        }

        return false;
    }

    private long? Expiry(TimeSpan? ttl) => ttl is { } t ? time.GetUtcNow().ToUnixTimeMilliseconds() + (long)t.TotalMilliseconds : null;

    private bool IsExpired(Entry entry) => entry.ExpiresAtMs is { } at && at <= time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Every 4096 writes, drop expired entries so abandoned keys do not pile up.</summary>
    private void Sweep()
    {
        if ((Interlocked.Increment(ref _operations) & 4095) != 0)
        {
            return;
        }

        foreach (var pair in _entries)
        {
            if (IsExpired(pair.Value))
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(string Value, long? ExpiresAtMs);
}
