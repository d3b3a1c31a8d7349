namespace ScaiGrid.Core.RateLimiting;

/// <summary>
/// Counters for a single process. One lock makes check-then-increment across scopes all-or-nothing;
/// the critical section is a handful of dictionary reads, far cheaper than any upstream call it guards.
/// Only scopes that have a limit get an entry, so the map is bounded by the <c>rate_limits</c> table.
/// </summary>
internal sealed class InMemoryRateLimitCounterStore : IRateLimitCounterStore
{
    private readonly Dictionary<(string Type, string Id), Counter> _counters = [];
    private readonly Lock _lock = new();

    public string Kind => "memory";

    public ValueTask<RateLimitCounts> AcquireAsync(string partition, IReadOnlyList<RateLimitScope> scopes, long window, CancellationToken cancellationToken)
    {
        var requests = new long[scopes.Count];
        var tokens = new long[scopes.Count];
        lock (_lock)
        {
            var rejected = -1;
            var metric = RateLimitMetric.None;
            for (var i = 0; i < scopes.Count; i++)
            {
                var scope = scopes[i];
                var counter = Current(scope, window);
                requests[i] = scope.Rpm is null ? 0 : counter.Requests;
                tokens[i] = scope.Tpm is null ? 0 : counter.Tokens;
                if (rejected < 0)
                {
                    if (scope.Rpm is { } rpm && counter.Requests + 1 > rpm)
                    {
                        (rejected, metric) = (i, RateLimitMetric.Requests);
                    }
                    else if (scope.Tpm is { } tpm && counter.Tokens >= tpm)
                    {
                        (rejected, metric) = (i, RateLimitMetric.Tokens);
                    }
                }
            }

            if (rejected < 0)
            {
                for (var i = 0; i < scopes.Count; i++)
                {
                    if (scopes[i].Rpm is not null)
                    {
                        requests[i] = ++Current(scopes[i], window).Requests;
                    }
                }
            }

            return ValueTask.FromResult(new RateLimitCounts(rejected, metric, requests, tokens));
        }
    }

    public ValueTask AddTokensAsync(string partition, IReadOnlyList<RateLimitScope> scopes, long window, long tokens, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var scope in scopes)
            {
                if (scope.Tpm is not null)
                {
                    Current(scope, window).Tokens += tokens;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The scope's counter for <paramref name="window"/>, zeroed when a later minute begins.</summary>
    private Counter Current(RateLimitScope scope, long window)
    {
        var key = (scope.ScopeType, scope.ScopeId);
        if (!_counters.TryGetValue(key, out var counter))
        {
            counter = new Counter { Window = window };
            _counters[key] = counter;
        }
        else if (counter.Window < window)
        {
            (counter.Window, counter.Requests, counter.Tokens) = (window, 0, 0);
        }

        return counter;
    }

    private sealed class Counter
    {
        public long Window;
        public long Requests;
        public long Tokens;
    }
}
