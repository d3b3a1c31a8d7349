using LinqToDB;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Admin;

public enum ScopeLevel
{
    Platform = 0,
    Partner = 1,
    Tenant = 2,
}

/// <summary>
/// Which objects an admin caller may see: a platform admin everything, a partner admin its partner's
/// tenants, anyone else its own tenant. Every admin query applies this in SQL; an object outside it is
/// answered exactly like one that does not exist.
/// </summary>
public sealed record AdminScope(ScopeLevel Level, string PartnerId, string TenantId)
{
    public static AdminScope Platform { get; } = new(ScopeLevel.Platform, DefaultTenancy.PartnerId, DefaultTenancy.TenantId);

    public bool IsPlatform => Level == ScopeLevel.Platform;

    public static AdminScope For(CallerContext caller) => new(
        caller.Roles.Contains(Roles.PlatformAdmin) ? ScopeLevel.Platform
            : caller.Roles.Contains(Roles.PartnerAdmin) ? ScopeLevel.Partner
            : ScopeLevel.Tenant,
        caller.PartnerId,
        caller.TenantId);

    /// <summary>The tenants in scope, as a subquery to compose into other queries.</summary>
    public IQueryable<TenantRow> Tenants(IDataContext db) => Level switch
    {
        ScopeLevel.Platform => db.GetTable<TenantRow>(),
        ScopeLevel.Partner => db.GetTable<TenantRow>().Where(t => t.PartnerId == PartnerId),
        _ => db.GetTable<TenantRow>().Where(t => t.Id == TenantId),
    };

    public IQueryable<string> TenantIds(IDataContext db) => Tenants(db).Select(t => t.Id);

    /// <summary>The level a role belongs to; a caller may grant only roles at or below its own level.</summary>
    public static ScopeLevel LevelOf(string role) => role switch
    {
        Roles.PlatformAdmin => ScopeLevel.Platform,
        Roles.PartnerAdmin => ScopeLevel.Partner,
        _ => ScopeLevel.Tenant,
    };

    public bool MayHold(string role) => LevelOf(role) >= Level;

    /// <summary>Refuses an action on a user who holds a role above the caller's own (e.g. a tenant admin minting a key for a partner admin).</summary>
    public void EnsureMayManage(IEnumerable<string> targetRoles)
    {
        if (targetRoles.FirstOrDefault(r => !MayHold(r)) is { } higher)
        {
            throw new ScaiGridException(ErrorCodes.PermissionDenied, $"This user holds the role '{higher}', which is above yours.");
        }
    }
}
