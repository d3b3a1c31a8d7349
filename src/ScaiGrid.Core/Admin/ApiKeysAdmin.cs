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

/// <summary>
/// <c>/v1/admin/api_keys</c> (keys:manage). The plaintext key is in the create response only; every other
/// answer shows the lookup prefix. Revocation is <c>POST …/revoke</c> or <c>DELETE</c>; the row stays for the audit trail.
/// </summary>
internal static class ApiKeysAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/api_keys").RequirePermission(Permissions.KeysManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(AdminContext.From(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapPost("/{id}/revoke", async (HttpContext h, string id) => AdminHttp.Json(await RevokeAsync(AdminContext.From(h), id)));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await RevokeAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(ApiKeyRow k)
    {
        var (permissions, models) = CredentialCache.ParseScopes(k.ScopesJson);
        return new JsonObject
        {
            ["id"] = k.Id,
            ["tenant_id"] = k.TenantId,
            ["user_id"] = k.UserId,
            ["name"] = k.Name,
            ["prefix"] = k.LookupPrefix,
            ["scopes"] = k.ScopesJson is null ? null : new JsonObject
            {
                ["models"] = models is null ? null : AdminHttp.Array(models),
                ["permissions"] = permissions is null ? null : AdminHttp.Array(permissions),
            },
            ["expires_at"] = AdminHttp.Iso(k.ExpiresAt),
            ["revoked_at"] = AdminHttp.Iso(k.RevokedAt),
            ["last_used_at"] = AdminHttp.Iso(k.LastUsedAt),
            ["created_at"] = AdminHttp.Iso(k.CreatedAt),
        };
    }

    private static IQueryable<ApiKeyRow> Scoped(AdminContext ctx, IDataContext db)
    {
        if (ctx.Scope.IsPlatform)
        {
            return db.GetTable<ApiKeyRow>();
        }

        var tenants = ctx.Scope.TenantIds(db);
        return db.GetTable<ApiKeyRow>().Where(k => tenants.Contains(k.TenantId));
    }

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request, string? tenantId = null)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        tenantId ??= AdminHttp.Filter(request, "tenant_id");
        if (tenantId is not null)
        {
            q = q.Where(k => k.TenantId == tenantId);
        }

        if (AdminHttp.Filter(request, "user_id") is { } userId)
        {
            q = q.Where(k => k.UserId == userId);
        }

        if (AdminHttp.Filter(request, "name") is { } name)
        {
            q = q.Where(k => k.Name == name);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<ApiKeyRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(k => k.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("api key", id);
    }

    private static string? Scopes(JsonObject body)
    {
        if (!body.TryGetPropertyValue("scopes", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonObject scopes)
        {
            throw AdminHttp.Invalid("scopes", "must be an object {\"models\":[…],\"permissions\":[…]}");
        }

        foreach (var (name, _) in scopes)
        {
            if (name is not ("models" or "permissions"))
            {
                throw AdminHttp.Invalid("scopes." + name, "is not a scope (models, permissions)");
            }
        }

        var models = AdminHttp.OptStrings(scopes, "models", ConfigValues.ModelSlug(), "must be a frontend model slug");
        var permissions = AdminHttp.OptStrings(scopes, "permissions", ConfigValues.Permission(), "must be a permission such as models:use");
        if (permissions?.FirstOrDefault(Permissions.IsService) is { } service)
        {
            throw AdminHttp.Invalid("scopes.permissions", $"'{service}' belongs to service tokens; an API key can never hold it");
        }

        return ConfigValues.ScopesJson(new ScopesConfig { Models = models, Permissions = permissions });
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("api_key.create", "api_key", null, AdminTopics.Identity, async note =>
    {
        AdminHttp.OnlyFields(body, "user_id", "name", "expires_at", "scopes");
        var userId = AdminHttp.ReqString(body, "user_id");
        var name = AdminHttp.ReqString(body, "name", ConfigValues.KeyName(), "letters, digits, spaces, '.', '_' and '-' (at most 100)", 100);
        var expires = AdminHttp.OptTime(body, "expires_at");
        if (expires is { } e && e <= UnixMs.Now())
        {
            throw AdminHttp.Invalid("expires_at", "must be in the future");
        }

        var scopes = Scopes(body);
        await using var db = ctx.Database.Open();
        var user = await UsersAdmin.Scoped(ctx, db).FirstOrDefaultAsync(u => u.Id == userId, ctx.CancellationToken).ConfigureAwait(false)
            ?? throw AdminHttp.Invalid("user_id", "no such user");
        ctx.Scope.EnsureMayManage(await UsersAdmin.RolesOfAsync(ctx, user.Id).ConfigureAwait(false));
        if (await db.GetTable<ApiKeyRow>().AnyAsync(k => k.UserId == user.Id && k.Name == name, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"The user already has a key named '{name}'.");
        }

        var key = CredentialHasher.Generate(CredentialHasher.ApiKeyPrefix);
        var row = new ApiKeyRow
        {
            Id = Ids.New("key"),
            TenantId = user.TenantId,
            UserId = user.Id,
            Name = name,
            LookupPrefix = CredentialHasher.LookupPrefix(key),
            KeyHash = ctx.Hasher.Hash(key),
            ScopesJson = scopes,
            ExpiresAt = expires,
            CreatedAt = UnixMs.Now(),
        };
        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        var partner = await db.GetTable<TenantRow>().Where(t => t.Id == user.TenantId).Select(t => t.PartnerId).FirstAsync(ctx.CancellationToken).ConfigureAwait(false);
        (note.TargetId, note.TenantId, note.PartnerId) = (row.Id, row.TenantId, partner);
        note.Summary["name"] = name;
        note.Summary["user_id"] = user.Id;
        note.Summary["prefix"] = row.LookupPrefix;
        var rendered = Render(row);

        // The only time the key exists outside the caller's hands: it is stored as a hash.
        rendered["key"] = key;
        return rendered;
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("api_key.update", "api_key", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        ctx.Scope.EnsureMayManage(await UsersAdmin.RolesOfAsync(ctx, row.UserId).ConfigureAwait(false));
        AdminHttp.OnlyFields(body, "name", "expires_at", "scopes");
        row.Name = AdminHttp.OptString(body, "name", ConfigValues.KeyName(), "letters, digits, spaces, '.', '_' and '-' (at most 100)", 100) ?? row.Name;
        row.ExpiresAt = body.ContainsKey("expires_at") ? AdminHttp.OptTime(body, "expires_at") : row.ExpiresAt;
        row.ScopesJson = body.ContainsKey("scopes") ? Scopes(body) : row.ScopesJson;
        await using var db = ctx.Database.Open();
        await db.GetTable<ApiKeyRow>().Where(k => k.Id == id)
            .Set(k => k.Name, row.Name).Set(k => k.ExpiresAt, row.ExpiresAt).Set(k => k.ScopesJson, row.ScopesJson)
            .UpdateAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.TenantId;
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return Render(row);
    });

    public static Task<JsonObject> RevokeAsync(AdminContext ctx, string id) => ctx.MutateAsync("api_key.revoke", "api_key", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        ctx.Scope.EnsureMayManage(await UsersAdmin.RolesOfAsync(ctx, row.UserId).ConfigureAwait(false));
        row.RevokedAt ??= UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.GetTable<ApiKeyRow>().Where(k => k.Id == id && k.RevokedAt == null).Set(k => k.RevokedAt, row.RevokedAt).UpdateAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.TenantId;
        note.Summary["prefix"] = row.LookupPrefix;
        return Render(row);
    });
}
