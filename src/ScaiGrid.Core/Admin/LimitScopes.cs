using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Admin;

/// <summary>
/// Budgets and rate limits hang on a partner, tenant, user or API key. A caller sees those on objects in its
/// scope, and changes only those below its own level: a tenant admin cannot raise its own tenant's budget,
/// nor a partner admin its partner's. Managing them needs tenants:manage or users:manage.
/// </summary>
internal static class LimitScopes
{
    public static readonly string[] Types = ["partner", "tenant", "user", "api_key"];

    public static void EnsureMayManageLimits(HttpContext http)
    {
        var caller = http.GetCaller();
        if (!caller.HasPermission(Permissions.TenantsManage) && !caller.HasPermission(Permissions.UsersManage))
        {
            throw new ScaiGridException(ErrorCodes.PermissionDenied, "This requires the 'tenants:manage' or 'users:manage' permission.");
        }
    }

    /// <summary>Budgets on objects the caller can see, filtered in SQL.</summary>
    public static IQueryable<BudgetRow> Visible(AdminContext ctx, IDataContext db, IQueryable<BudgetRow> q)
    {
        if (ctx.Scope.IsPlatform)
        {
            return q;
        }

        var (partnerId, tenants, users, keys) = Sets(ctx, db);
        return q.Where(r => (r.ScopeType == "partner" && r.ScopeId == partnerId)
            || (r.ScopeType == "tenant" && tenants.Contains(r.ScopeId))
            || (r.ScopeType == "user" && users.Contains(r.ScopeId))
            || (r.ScopeType == "api_key" && keys.Contains(r.ScopeId)));
    }

    /// <summary>Rate limits on objects the caller can see, filtered in SQL.</summary>
    public static IQueryable<RateLimitRow> Visible(AdminContext ctx, IDataContext db, IQueryable<RateLimitRow> q)
    {
        if (ctx.Scope.IsPlatform)
        {
            return q;
        }

        var (partnerId, tenants, users, keys) = Sets(ctx, db);
        return q.Where(r => (r.ScopeType == "partner" && r.ScopeId == partnerId)
            || (r.ScopeType == "tenant" && tenants.Contains(r.ScopeId))
            || (r.ScopeType == "user" && users.Contains(r.ScopeId))
            || (r.ScopeType == "api_key" && keys.Contains(r.ScopeId)));
    }

    private static (string PartnerId, IQueryable<string> Tenants, IQueryable<string> Users, IQueryable<string> Keys) Sets(AdminContext ctx, IDataContext db)
    {
        var tenants = ctx.Scope.TenantIds(db);
        var users = db.GetTable<UserRow>().Where(u => tenants.Contains(u.TenantId)).Select(u => u.Id);
        var keys = db.GetTable<ApiKeyRow>().Where(k => tenants.Contains(k.TenantId)).Select(k => k.Id);

        // A tenant-level caller sees no partner-level limits: no partner id matches this.
        var partnerId = ctx.Scope.Level == ScopeLevel.Partner ? ctx.Scope.PartnerId : string.Empty;
        return (partnerId, tenants, users, keys);
    }

    /// <summary>Checks that the object exists in scope and lies below the caller's level; returns its tenant for the audit entry.</summary>
    public static async Task<string?> EnsureTargetAsync(AdminContext ctx, string type, string id, string param)
    {
        var scope = ctx.Scope;
        await using var db = ctx.Database.Open();
        var tenants = scope.TenantIds(db);
        string? tenantId = type switch
        {
            "partner" => scope.IsPlatform && await db.GetTable<PartnerRow>().AnyAsync(p => p.Id == id, ctx.CancellationToken).ConfigureAwait(false) ? null : Missing(),
            "tenant" => await tenants.Where(t => t == id).FirstOrDefaultAsync(ctx.CancellationToken).ConfigureAwait(false) ?? Missing(),
            "user" => await db.GetTable<UserRow>().Where(u => u.Id == id && tenants.Contains(u.TenantId)).Select(u => u.TenantId).FirstOrDefaultAsync(ctx.CancellationToken).ConfigureAwait(false) ?? Missing(),
            "api_key" => await db.GetTable<ApiKeyRow>().Where(k => k.Id == id && tenants.Contains(k.TenantId)).Select(k => k.TenantId).FirstOrDefaultAsync(ctx.CancellationToken).ConfigureAwait(false) ?? Missing(),
            _ => throw AdminHttp.Invalid("scope_type", $"must be one of {string.Join(", ", Types)}"),
        };
        EnsureBelow(scope, type);
        return tenantId;

        string Missing() => throw AdminHttp.Invalid(param, $"no such {type}");
    }

    public static void EnsureBelow(AdminScope scope, string type)
    {
        var level = type switch { "partner" => ScopeLevel.Platform, "tenant" => ScopeLevel.Partner, _ => ScopeLevel.Tenant };
        if (level < scope.Level)
        {
            throw new ScaiGridException(ErrorCodes.PermissionDenied, $"Limits on a {type} are set by the level above it.");
        }
    }
}
