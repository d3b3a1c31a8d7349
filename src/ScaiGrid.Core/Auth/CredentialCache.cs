using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// Every usable API key and service token, keyed by its stored hash, with the caller each one resolves to
/// already built. Authentication is a dictionary lookup: no database query per request. The snapshot is
/// swapped whole on refresh (events, a periodic safety net), so readers never see a half-loaded state.
/// Keys of disabled users, tenants or partners and revoked credentials are simply absent.
/// </summary>
public sealed class CredentialCache(ScaiGridDatabase database, ModuleRuntime modules)
{
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private volatile Snapshot? _snapshot;

    public sealed record CachedCredential(string Id, string Hash, long? ExpiresAt, CallerContext Caller);

    /// <param name="Generation">The identity change marker read before this load began (see <see cref="ChangeMarkers"/>).</param>
    public sealed record Snapshot(
        IReadOnlyDictionary<string, CachedCredential> ApiKeys,
        IReadOnlyDictionary<string, CachedCredential> ServiceTokens,
        long LoadedAt,
        long? Generation);

    /// <summary>The current snapshot, loading the first one if no refresh has completed yet.</summary>
    public ValueTask<Snapshot> GetAsync(CancellationToken cancellationToken) =>
        _snapshot is { } current ? ValueTask.FromResult(current) : new ValueTask<Snapshot>(FirstLoadAsync(cancellationToken));

    private async Task<Snapshot> FirstLoadAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return _snapshot!;
    }

    /// <summary>Reloads everything. Concurrent callers wait for one load and then load again, so a change made before the call is always seen.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => RefreshAsync(onlyIfChanged: false, cancellationToken);

    /// <summary>
    /// The periodic refresh: reloads only when the identity change marker moved since the last load, or
    /// <see cref="ChangeMarkers.SafetyNet"/> has passed. With 100,000 keys a reload is seconds of CPU and a
    /// new snapshot's worth of memory; a quiet installation now pays one single-row query instead.
    /// </summary>
    /// <returns>Whether it reloaded.</returns>
    public Task<bool> RefreshIfChangedAsync(CancellationToken cancellationToken) => RefreshAsync(onlyIfChanged: true, cancellationToken);

    private async Task<bool> RefreshAsync(bool onlyIfChanged, CancellationToken cancellationToken)
    {
        await _loadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Read before loading: a change committed while the load runs moves the marker past what we record.
            var markers = await ChangeMarkers.ReadAsync(database, cancellationToken).ConfigureAwait(false);
            if (onlyIfChanged && _snapshot is { } current
                && ChangeMarkers.Unchanged(markers, IdentityEvents.Topic, current.Generation, UnixMs.ToDateTime(current.LoadedAt), DateTimeOffset.UtcNow))
            {
                return false;
            }

            var generation = markers.TryGetValue(IdentityEvents.Topic, out var g) ? g : (long?)null;
            _snapshot = await LoadAsync(generation, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _loadLock.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(long? generation, CancellationToken cancellationToken)
    {
        var now = UnixMs.Now();
        await using var db = database.Open();
        var activeKeys =
            from k in db.GetTable<ApiKeyRow>()
            join u in db.GetTable<UserRow>() on k.UserId equals u.Id
            join t in db.GetTable<TenantRow>() on u.TenantId equals t.Id
            join p in db.GetTable<PartnerRow>() on t.PartnerId equals p.Id
            where k.RevokedAt == null && u.IsActive && t.IsActive && p.IsActive && k.TenantId == u.TenantId
            select new { k.Id, k.KeyHash, k.ExpiresAt, k.ScopesJson, k.UserId, u.TenantId, t.PartnerId };
        var keys = await activeKeys.ToListAsync(cancellationToken).ConfigureAwait(false);
        var roles = await db.GetTable<UserRoleRow>()
            .Where(r => activeKeys.Select(k => k.UserId).Contains(r.UserId))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var rolesByUser = roles.GroupBy(r => r.UserId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(r => r.Role).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var modulePermissions = modules.Modules.SelectMany(m => m.Permissions.Select(p => p.Name)).ToList();

        // Shared, not copied per key: with 100,000 keys over a few role combinations and tenants, one permission
        // set per distinct role set and one string per distinct tenant/partner id keep the snapshot small
        // (issue 8's flat-cost check grew resident memory by ≈ 1.5 KiB per key before this).
        var permissionsByRoles = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string id) => ids.TryGetValue(id, out var existing) ? existing : ids[id] = id;
        IReadOnlySet<string> PermissionsOf(IReadOnlySet<string> roles)
        {
            var signature = string.Join('\n', roles.Order(StringComparer.Ordinal));
            if (!permissionsByRoles.TryGetValue(signature, out var set))
            {
                permissionsByRoles[signature] = set = RolePermissions.For(roles, modulePermissions);
            }

            return set;
        }

        var noRoles = new HashSet<string>(StringComparer.Ordinal);
        var memberOnly = new HashSet<string>(StringComparer.Ordinal) { Roles.Member };
        var apiKeys = new Dictionary<string, CachedCredential>(keys.Count, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var userRoles = rolesByUser.GetValueOrDefault(key.UserId) ?? noRoles;
            var (permissionScope, models) = ParseScopes(key.ScopesJson);
            var permissions = PermissionsOf(userRoles);
            if (permissionScope is not null)
            {
                permissions = permissions.Where(permissionScope.Contains).ToHashSet(StringComparer.Ordinal);
            }

            apiKeys[key.KeyHash] = new CachedCredential(key.Id, key.KeyHash, key.ExpiresAt, new CallerContext
            {
                PartnerId = Shared(key.PartnerId),
                TenantId = Shared(key.TenantId),
                UserId = Shared(key.UserId),
                ApiKeyId = key.Id,
                Kind = CallerKind.ApiKey,
                Roles = userRoles.Count == 0 ? memberOnly : userRoles,
                Permissions = permissions,
                AllowedModels = models,
            });
        }

        var tokens = await db.GetTable<ServiceTokenRow>().Where(t => t.RevokedAt == null).ToListAsync(cancellationToken).ConfigureAwait(false);
        var serviceTokens = new Dictionary<string, CachedCredential>(tokens.Count, StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            var services = JsonSerializer.Deserialize<string[]>(token.ServicesJson) ?? [];
            serviceTokens[token.TokenHash] = new CachedCredential(token.Id, token.TokenHash, token.ExpiresAt, new CallerContext
            {
                // A service token belongs to no tenant; it runs in the default one and can reach no tenant data.
                PartnerId = DefaultTenancy.PartnerId,
                TenantId = DefaultTenancy.TenantId,
                UserId = token.Id,
                Kind = CallerKind.ServiceToken,
                Roles = new HashSet<string>(StringComparer.Ordinal),
                Permissions = services.Select(Permissions.Service).ToHashSet(StringComparer.Ordinal),
            });
        }

        // Plain dictionaries, never written after this point (safe for concurrent readers). A FrozenDictionary
        // reads a little faster but analyses every key to build: with 100,000 keys, rebuilt on every refresh,
        // that build showed as a p99 spike each 30 s (issue 8's flat-cost check).
        return new Snapshot(apiKeys, serviceTokens, now, generation);
    }

    /// <summary><c>{"models":[…],"permissions":[…]}</c>: each list present narrows; absent means no narrowing.</summary>
    internal static (IReadOnlySet<string>? Permissions, IReadOnlySet<string>? Models) ParseScopes(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return (null, null);
        }

        using var doc = JsonDocument.Parse(json);
        static IReadOnlySet<string>? List(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
                : null;
        return (List(doc.RootElement, "permissions"), List(doc.RootElement, "models"));
    }
}
