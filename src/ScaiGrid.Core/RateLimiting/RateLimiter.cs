using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>
/// The verdict for one request, and what the <c>X-RateLimit-*</c> headers report: the limit that rejected
/// it, or else the tightest one (fewest requests left; token limits only when no request limit applies).
/// </summary>
public sealed record RateLimitDecision(bool Allowed, string ScopeType, RateLimitMetric Metric, long Limit, long Remaining, int ResetSeconds);

/// <summary>
/// Requests and tokens per minute per API key, user, tenant and partner, in fixed one-minute windows
/// aligned to the Unix minute. Limits come from <see cref="RateLimitCatalog"/> (memory); counters from
/// <see cref="IRateLimitCounterStore"/> in one round trip, and only when some scope of the caller has a limit.
/// </summary>
public sealed partial class RateLimiter(RateLimitCatalog catalog, IRateLimitCounterStore store, TimeProvider time, ILogger<RateLimiter> logger)
{
    public const long WindowMs = 60_000;

    /// <summary>
    /// Checks rpm (this request counts) and tpm (rejects once the window's settled tokens reach the limit)
    /// for every limited scope of <paramref name="caller"/>; null when no limit applies. When the counter
    /// store is unreachable the request is admitted (logged): limits protect capacity, budgets guard money.
    /// </summary>
    public async ValueTask<RateLimitDecision?> AcquireAsync(CallerContext caller, CancellationToken cancellationToken)
    {
        var scopes = ScopesOf(caller, tokensOnly: false);
        if (scopes is null)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var window = now / WindowMs;
        RateLimitCounts counts;
        try
        {
            counts = await store.AcquireAsync(caller.PartnerId, scopes, window, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(store.Kind, ex);
            return null;
        }

        var reset = ResetSeconds(now, window);
        if (!counts.Allowed)
        {
            var scope = scopes[counts.RejectedIndex];
            var limit = counts.RejectedBy == RateLimitMetric.Requests ? scope.Rpm!.Value : scope.Tpm!.Value;
            LogRejected(scope.ScopeType, scope.ScopeId, counts.RejectedBy);
            return new RateLimitDecision(false, scope.ScopeType, counts.RejectedBy, limit, 0, reset);
        }

        return Tightest(scopes, counts, reset);
    }

    /// <summary>
    /// Adds <paramref name="tokens"/> (input + output, as settled by accounting) to the current window of
    /// every scope of <paramref name="caller"/> that has a tpm. Later requests in the window are rejected
    /// once a scope's total reaches its tpm. Free when no tpm applies; never throws for a store outage.
    /// </summary>
    public async Task RecordTokensAsync(CallerContext caller, long tokens, CancellationToken cancellationToken)
    {
        if (tokens <= 0 || ScopesOf(caller, tokensOnly: true) is not { } scopes)
        {
            return;
        }

        var window = time.GetUtcNow().ToUnixTimeMilliseconds() / WindowMs;
        try
        {
            await store.AddTokensAsync(caller.PartnerId, scopes, window, tokens, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(store.Kind, ex);
        }
    }

    /// <summary>Seconds until the window ends, 1..60 (a request at the exact boundary waits the whole minute).</summary>
    internal static int ResetSeconds(long nowMs, long window)
    {
        var left = ((window + 1) * WindowMs) - nowMs;
        return (int)Math.Clamp((left + 999) / 1000, 1, 60);
    }

    /// <summary>The caller's limited scopes, narrowest first (key, user, tenant, partner); null when none.</summary>
    private List<RateLimitScope>? ScopesOf(CallerContext caller, bool tokensOnly)
    {
        var snapshot = catalog.Current;
        if (snapshot.IsEmpty)
        {
            return null;
        }

        List<RateLimitScope>? scopes = null;
        if (caller.ApiKeyId is { } keyId)
        {
            Add(ref scopes, snapshot.ApiKeys, RateLimitScopes.ApiKey, keyId, tokensOnly);
        }

        Add(ref scopes, snapshot.Users, RateLimitScopes.User, caller.UserId, tokensOnly);
        Add(ref scopes, snapshot.Tenants, RateLimitScopes.Tenant, caller.TenantId, tokensOnly);
        Add(ref scopes, snapshot.Partners, RateLimitScopes.Partner, caller.PartnerId, tokensOnly);
        return scopes;
    }

    private static void Add(ref List<RateLimitScope>? scopes, IReadOnlyDictionary<string, RateLimitEntry> limits, string type, string id, bool tokensOnly)
    {
        if (limits.TryGetValue(id, out var entry) && (entry.Tpm is not null || (!tokensOnly && entry.Rpm is not null)))
        {
            (scopes ??= new List<RateLimitScope>(4)).Add(new RateLimitScope(type, id, entry.Rpm, entry.Tpm));
        }
    }

    private static RateLimitDecision Tightest(List<RateLimitScope> scopes, RateLimitCounts counts, int reset)
    {
        RateLimitDecision? best = null;
        for (var i = 0; i < scopes.Count; i++)
        {
            if (scopes[i].Rpm is { } rpm)
            {
                var remaining = Math.Max(0, rpm - counts.Requests[i]);
                if (best is null || best.Metric != RateLimitMetric.Requests || remaining < best.Remaining)
                {
                    best = new RateLimitDecision(true, scopes[i].ScopeType, RateLimitMetric.Requests, rpm, remaining, reset);
                }
            }
            else if (scopes[i].Tpm is { } tpm && best?.Metric != RateLimitMetric.Requests)
            {
                var remaining = Math.Max(0, tpm - counts.Tokens[i]);
                if (best is null || remaining < best.Remaining)
                {
                    best = new RateLimitDecision(true, scopes[i].ScopeType, RateLimitMetric.Tokens, tpm, remaining, reset);
                }
            }
        }

        return best!;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rate limited by {ScopeType} {ScopeId} ({Metric})")]
    private partial void LogRejected(string scopeType, string scopeId, RateLimitMetric metric);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit counters ({Store}) unreachable; admitting the request unlimited")]
    private partial void LogStoreFailed(string store, Exception exception);
}
