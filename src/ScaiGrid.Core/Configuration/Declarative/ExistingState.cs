using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// What the database already holds that the validator must know: a file may reference objects it does not
/// list (apply is not a full-state sync), and some conflicts (a tenant slug under another partner, a key
/// already used by another row) only show against the stored rows. Read once, before anything is written.
/// </summary>
internal sealed class ExistingState
{
    public HashSet<string> ProviderIds { get; } = new(StringComparer.Ordinal);

    public HashSet<string> BackendIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Frontend model slug → the slug of its owning tenant (null: every tenant).</summary>
    public Dictionary<string, string?> ModelOwners { get; } = new(StringComparer.Ordinal);

    /// <summary>Tenant slug → its id and its partner's slug.</summary>
    public Dictionary<string, (string Id, string PartnerSlug)> Tenants { get; } = new(StringComparer.Ordinal);

    /// <summary>Hash of a key the file gives explicitly → the <see cref="CredentialIdentity"/> of the row holding it.</summary>
    public Dictionary<string, string> ApiKeyOwners { get; } = new(StringComparer.Ordinal);

    /// <summary>Hash of a token the file gives explicitly → the name of the service token holding it.</summary>
    public Dictionary<string, string> ServiceTokenOwners { get; } = new(StringComparer.Ordinal);

    /// <summary>How an API key is named across file and database: tenant, email and key name, case-folded.</summary>
    public static string CredentialIdentity(string tenantSlug, string email, string keyName) =>
        $"{tenantSlug}/{ConfigValues.NormalizeEmail(email)}/{keyName.ToLowerInvariant()}";

    public static async Task<ExistingState> LoadAsync(DataConnection db, ConfigFile file, CredentialHasher hasher, CancellationToken cancellationToken)
    {
        var state = new ExistingState();
        state.ProviderIds.UnionWith(await db.GetTable<ProviderRow>().Select(p => p.Id).ToListAsync(cancellationToken).ConfigureAwait(false));
        state.BackendIds.UnionWith(await db.GetTable<BackendModelRow>().Select(b => b.Id).ToListAsync(cancellationToken).ConfigureAwait(false));

        var tenants = await (
                from t in db.GetTable<TenantRow>()
                join p in db.GetTable<PartnerRow>() on t.PartnerId equals p.Id
                select new { t.Id, t.Slug, PartnerSlug = p.Slug })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var tenantSlugById = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            state.Tenants[tenant.Slug] = (tenant.Id, tenant.PartnerSlug);
            tenantSlugById[tenant.Id] = tenant.Slug;
        }

        var models = await db.GetTable<FrontendModelRow>().Select(m => new { m.Slug, m.OwnerTenantId }).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var model in models)
        {
            state.ModelOwners[model.Slug] = model.OwnerTenantId is null ? null : tenantSlugById.GetValueOrDefault(model.OwnerTenantId, model.OwnerTenantId);
        }

        var keyHashes = ExplicitKeys(file).Select(hasher.Hash).Distinct(StringComparer.Ordinal).ToList();
        if (keyHashes.Count > 0)
        {
            var holders = await (
                    from k in db.GetTable<ApiKeyRow>()
                    join u in db.GetTable<UserRow>() on k.UserId equals u.Id
                    join t in db.GetTable<TenantRow>() on k.TenantId equals t.Id
                    where keyHashes.Contains(k.KeyHash)
                    select new { k.KeyHash, TenantSlug = t.Slug, u.Email, k.Name })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var holder in holders)
            {
                state.ApiKeyOwners[holder.KeyHash] = CredentialIdentity(holder.TenantSlug, holder.Email, holder.Name);
            }
        }

        var tokenHashes = (file.ServiceTokens ?? []).Select(t => t.Token).OfType<string>().Select(hasher.Hash).Distinct(StringComparer.Ordinal).ToList();
        if (tokenHashes.Count > 0)
        {
            var holders = await db.GetTable<ServiceTokenRow>()
                .Where(t => tokenHashes.Contains(t.TokenHash))
                .Select(t => new { t.TokenHash, t.Name })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var holder in holders)
            {
                state.ServiceTokenOwners[holder.TokenHash] = holder.Name;
            }
        }

        return state;
    }

    private static IEnumerable<string> ExplicitKeys(ConfigFile file) =>
        from partner in file.Partners ?? []
        from tenant in partner.Tenants ?? []
        from user in tenant.Users ?? []
        from key in user.ApiKeys ?? []
        where key.Key is not null
        select key.Key;
}
