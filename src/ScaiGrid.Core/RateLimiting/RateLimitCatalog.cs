using System.Collections.Frozen;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>The limits of one scope; null means that dimension is unlimited.</summary>
public sealed record RateLimitEntry(int? Rpm, long? Tpm);

/// <summary>
/// Every configured limit, one frozen dictionary per scope type so the hot path looks up by id without
/// building composite key strings. Swapped whole on reload.
/// </summary>
public sealed class RateLimitSnapshot(
    FrozenDictionary<string, RateLimitEntry> partners,
    FrozenDictionary<string, RateLimitEntry> tenants,
    FrozenDictionary<string, RateLimitEntry> users,
    FrozenDictionary<string, RateLimitEntry> apiKeys)
{
    public static RateLimitSnapshot Empty { get; } = new(
        FrozenDictionary<string, RateLimitEntry>.Empty, FrozenDictionary<string, RateLimitEntry>.Empty,
        FrozenDictionary<string, RateLimitEntry>.Empty, FrozenDictionary<string, RateLimitEntry>.Empty);

    public FrozenDictionary<string, RateLimitEntry> Partners { get; } = partners;

    public FrozenDictionary<string, RateLimitEntry> Tenants { get; } = tenants;

    public FrozenDictionary<string, RateLimitEntry> Users { get; } = users;

    public FrozenDictionary<string, RateLimitEntry> ApiKeys { get; } = apiKeys;

    /// <summary>True when no scope has any limit: the limiter then costs one volatile read per request.</summary>
    public bool IsEmpty => Partners.Count == 0 && Tenants.Count == 0 && Users.Count == 0 && ApiKeys.Count == 0;
}

/// <summary>
/// The hot path's view of the <c>rate_limits</c> table: loaded into memory at start, replaced on
/// <see cref="RateLimitEvents.Changed"/> and every 10 s — never queried per request.
/// </summary>
public sealed partial class RateLimitCatalog(ScaiGridDatabase database, ILogger<RateLimitCatalog> logger) : ICachedCatalog
{
    public string Topic => RateLimitEvents.Changed;

    private RateLimitSnapshot _snapshot = RateLimitSnapshot.Empty;

    public RateLimitSnapshot Current => Volatile.Read(ref _snapshot);

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        List<RateLimitRow> rows;
        await using (var db = database.Open())
        {
            rows = await db.GetTable<RateLimitRow>().Where(r => r.Rpm != null || r.Tpm != null).ToListAsync(cancellationToken).ConfigureAwait(false);
        }

        var byType = new Dictionary<string, Dictionary<string, RateLimitEntry>>(StringComparer.Ordinal)
        {
            [RateLimitScopes.Partner] = new(StringComparer.Ordinal),
            [RateLimitScopes.Tenant] = new(StringComparer.Ordinal),
            [RateLimitScopes.User] = new(StringComparer.Ordinal),
            [RateLimitScopes.ApiKey] = new(StringComparer.Ordinal),
        };
        foreach (var row in rows)
        {
            if (byType.TryGetValue(row.ScopeType, out var map))
            {
                map[row.ScopeId] = new RateLimitEntry(row.Rpm, row.Tpm);
            }
            else
            {
                LogUnknownScope(row.Id, row.ScopeType);
            }
        }

        Volatile.Write(ref _snapshot, new RateLimitSnapshot(
            byType[RateLimitScopes.Partner].ToFrozenDictionary(StringComparer.Ordinal),
            byType[RateLimitScopes.Tenant].ToFrozenDictionary(StringComparer.Ordinal),
            byType[RateLimitScopes.User].ToFrozenDictionary(StringComparer.Ordinal),
            byType[RateLimitScopes.ApiKey].ToFrozenDictionary(StringComparer.Ordinal)));
        LogReloaded(rows.Count);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rate limit catalog loaded: {Count} limited scopes")]
    private partial void LogReloaded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {Id} has unknown scope type '{ScopeType}' and is ignored")]
    private partial void LogUnknownScope(string id, string scopeType);
}

/// <summary>The <c>scope_type</c> values of <c>rate_limits</c> (the same as budgets).</summary>
public static class RateLimitScopes
{
    public const string Partner = "partner";
    public const string Tenant = "tenant";
    public const string User = "user";
    public const string ApiKey = "api_key";
}

/// <summary>Event topics that invalidate the rate limit catalog.</summary>
public static class RateLimitEvents
{
    /// <summary>A row of <c>rate_limits</c> changed; every replica reloads.</summary>
    /// <summary>Budgets and rate limits share one invalidation topic, the one the admin API publishes.</summary>
    public const string Changed = ScaiGrid.Core.Accounting.BudgetCatalog.ChangedTopic;
}
