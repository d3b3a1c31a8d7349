using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Admin;

/// <summary><c>/v1/admin/users</c> and their role assignments (users:manage), within the caller's tenants.</summary>
internal static class UsersAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/users").RequirePermission(Permissions.UsersManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) =>
        {
            var ctx = AdminContext.From(h);
            return AdminHttp.Json(await RenderAsync(ctx, await FindAsync(ctx, id)));
        });
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(AdminContext.From(h), id)));
        g.MapGet("/{id}/roles", async (HttpContext h, string id) =>
        {
            var ctx = AdminContext.From(h);
            var user = await FindAsync(ctx, id);
            return AdminHttp.Json(new JsonObject { ["data"] = AdminHttp.Array(await RolesOfAsync(ctx, user.Id)) });
        });
        g.MapPut("/{id}/roles", async (HttpContext h, string id) => AdminHttp.Json(await SetRolesAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
    }

    public static JsonObject Render(UserRow u, IEnumerable<string> roles) => new()
    {
        ["id"] = u.Id,
        ["tenant_id"] = u.TenantId,
        ["email"] = u.Email,
        ["display_name"] = u.DisplayName,
        ["is_active"] = u.IsActive,
        ["roles"] = AdminHttp.Array(roles),
        ["created_at"] = AdminHttp.Iso(u.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(u.UpdatedAt),
    };

    private static async Task<JsonObject> RenderAsync(AdminContext ctx, UserRow u) => Render(u, await RolesOfAsync(ctx, u.Id).ConfigureAwait(false));

    public static IQueryable<UserRow> Scoped(AdminContext ctx, IDataContext db)
    {
        if (ctx.Scope.IsPlatform)
        {
            return db.GetTable<UserRow>();
        }

        var tenants = ctx.Scope.TenantIds(db);
        return db.GetTable<UserRow>().Where(u => tenants.Contains(u.TenantId));
    }

    public static async Task<List<string>> RolesOfAsync(AdminContext ctx, string userId)
    {
        await using var db = ctx.Database.Open();
        return await db.GetTable<UserRoleRow>().Where(r => r.UserId == userId).OrderBy(r => r.Role).Select(r => r.Role).ToListAsync(ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        if (AdminHttp.Filter(request, "tenant_id") is { } tenantId)
        {
            q = q.Where(u => u.TenantId == tenantId);
        }

        if (AdminHttp.Filter(request, "email") is { } email)
        {
            var normalized = ConfigValues.NormalizeEmail(email);
            q = q.Where(u => u.Email == normalized);
        }

        var page = await AdminHttp.PageAsync(q, request, u => Render(u, []), ctx.CancellationToken).ConfigureAwait(false);
        var ids = page["data"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()).ToList();
        var roles = (await db.GetTable<UserRoleRow>().Where(r => ids.Contains(r.UserId)).ToListAsync(ctx.CancellationToken).ConfigureAwait(false))
            .ToLookup(r => r.UserId, StringComparer.Ordinal);
        foreach (var item in page["data"]!.AsArray())
        {
            item!["roles"] = AdminHttp.Array(roles[item["id"]!.GetValue<string>()].Select(r => r.Role).Order(StringComparer.Ordinal));
        }

        return page;
    }

    public static async Task<UserRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(u => u.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("user", id);
    }

    /// <summary>The user, when the caller may also act on it: it holds no role above the caller's.</summary>
    public static async Task<UserRow> FindManageableAsync(AdminContext ctx, string id)
    {
        var user = await FindAsync(ctx, id).ConfigureAwait(false);
        ctx.Scope.EnsureMayManage(await RolesOfAsync(ctx, user.Id).ConfigureAwait(false));
        return user;
    }

    private static List<string> ValidRoles(AdminContext ctx, List<string> roles)
    {
        for (var i = 0; i < roles.Count; i++)
        {
            if (!Roles.IsKnown(roles[i]))
            {
                throw AdminHttp.Invalid($"roles[{i}]", $"unknown role (allowed: {string.Join(", ", Roles.All)})");
            }

            if (!ctx.Scope.MayHold(roles[i]))
            {
                throw new Abstractions.Errors.ScaiGridException(Abstractions.Errors.ErrorCodes.PermissionDenied, $"You may not grant the role '{roles[i]}'.", $"roles[{i}]");
            }
        }

        return roles;
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("user.create", "user", null, AdminTopics.Identity, async note =>
    {
        AdminHttp.OnlyFields(body, "tenant_id", "email", "display_name", "is_active", "roles");
        var tenantId = AdminHttp.OptString(body, "tenant_id") ?? (ctx.Scope.Level == ScopeLevel.Tenant ? ctx.Scope.TenantId : throw AdminHttp.Invalid("tenant_id", "is required"));
        var email = ConfigValues.NormalizeEmail(AdminHttp.ReqString(body, "email", ConfigValues.Email(), "must be an email address", 254));
        var roles = ValidRoles(ctx, AdminHttp.OptStrings(body, "roles") ?? [Roles.Member]);
        await using var db = ctx.Database.Open();
        var tenant = await ctx.Scope.Tenants(db).FirstOrDefaultAsync(t => t.Id == tenantId, ctx.CancellationToken).ConfigureAwait(false)
            ?? throw AdminHttp.Invalid("tenant_id", "no such tenant");
        if (await db.GetTable<UserRow>().AnyAsync(u => u.TenantId == tenantId && u.Email == email, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"The tenant already has a user '{email}'.");
        }

        var now = UnixMs.Now();
        var row = new UserRow
        {
            Id = Ids.New("usr"),
            TenantId = tenantId,
            Email = email,
            DisplayName = AdminHttp.OptString(body, "display_name"),
            IsActive = AdminHttp.OptBool(body, "is_active") ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using (var tx = await db.BeginTransactionAsync(ctx.CancellationToken).ConfigureAwait(false))
        {
            await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
            foreach (var role in roles)
            {
                await db.InsertAsync(new UserRoleRow { UserId = row.Id, Role = role, CreatedAt = now }, token: ctx.CancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(ctx.CancellationToken).ConfigureAwait(false);
        }

        (note.TargetId, note.PartnerId, note.TenantId) = (row.Id, tenant.PartnerId, tenantId);
        note.Summary["email"] = email;
        note.Summary["roles"] = AdminHttp.Array(roles);
        return Render(row, roles);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("user.update", "user", id, AdminTopics.Identity, async note =>
    {
        var row = await FindManageableAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, "display_name", "is_active");
        row.DisplayName = body.ContainsKey("display_name") ? AdminHttp.OptString(body, "display_name") : row.DisplayName;
        row.IsActive = AdminHttp.OptBool(body, "is_active") ?? row.IsActive;
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.TenantId;
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return await RenderAsync(ctx, row).ConfigureAwait(false);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("user.delete", "user", id, AdminTopics.Identity, async note =>
    {
        var row = await FindManageableAsync(ctx, id).ConfigureAwait(false);
        await using var db = ctx.Database.Open();
        await using var tx = await db.BeginTransactionAsync(ctx.CancellationToken).ConfigureAwait(false);
        await db.GetTable<ApiKeyRow>().Where(k => k.UserId == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        await db.GetTable<UserRoleRow>().Where(r => r.UserId == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        await db.GetTable<UserRow>().Where(u => u.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.TenantId;
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });

    public static Task<JsonObject> SetRolesAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("user.roles.set", "user", id, AdminTopics.Identity, async note =>
    {
        var row = await FindManageableAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, "roles");
        var roles = ValidRoles(ctx, AdminHttp.OptStrings(body, "roles") ?? throw AdminHttp.Invalid("roles", "is required"));
        var now = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await using var tx = await db.BeginTransactionAsync(ctx.CancellationToken).ConfigureAwait(false);
        await db.GetTable<UserRoleRow>().Where(r => r.UserId == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        foreach (var role in roles)
        {
            await db.InsertAsync(new UserRoleRow { UserId = id, Role = role, CreatedAt = now }, token: ctx.CancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.TenantId;
        note.Summary["roles"] = AdminHttp.Array(roles);
        return new JsonObject { ["data"] = AdminHttp.Array(roles) };
    });
}
