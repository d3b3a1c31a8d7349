using System.Text.Json;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Admin;

/// <summary>
/// <c>/v1/admin/providers</c> (providers:manage). Credentials are write-only: stored encrypted, answered
/// only as <c>has_credentials</c>. A tenant-owned provider is visible within that tenant's scope only.
/// </summary>
internal static class ProvidersAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/providers").RequirePermission(Permissions.ProvidersManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(AdminContext.From(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(ProviderRow p) => new()
    {
        ["id"] = p.Id,
        ["type"] = p.Type,
        ["base_url"] = p.BaseUrl,
        ["has_credentials"] = p.CredentialsEncrypted is not null,
        ["settings"] = p.SettingsJson is null ? new JsonObject() : JsonNode.Parse(p.SettingsJson),
        ["owner_tenant_id"] = p.OwnerTenantId,
        ["is_enabled"] = p.IsEnabled,
        ["created_at"] = AdminHttp.Iso(p.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(p.UpdatedAt),
    };

    public static IQueryable<ProviderRow> Scoped(AdminContext ctx, IDataContext db)
    {
        if (ctx.Scope.IsPlatform)
        {
            return db.GetTable<ProviderRow>();
        }

        var tenants = ctx.Scope.TenantIds(db);
        return db.GetTable<ProviderRow>().Where(p => p.OwnerTenantId != null && tenants.Contains(p.OwnerTenantId));
    }

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        if (AdminHttp.Filter(request, "type") is { } type)
        {
            q = q.Where(p => p.Type == type);
        }

        if (AdminHttp.Filter(request, "owner_tenant_id") is { } owner)
        {
            q = q.Where(p => p.OwnerTenantId == owner);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<ProviderRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(p => p.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("provider", id);
    }

    private static string? Settings(JsonObject body)
    {
        if (!body.TryGetPropertyValue("settings", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonObject settings)
        {
            throw AdminHttp.Invalid("settings", "must be an object of strings");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in settings)
        {
            if (!ConfigValues.SettingName().IsMatch(name) || value is null || value.GetValueKind() != JsonValueKind.String)
            {
                throw AdminHttp.Invalid("settings." + name, "must be a string setting with a simple name");
            }

            values[name] = value.GetValue<string>();
        }

        return ConfigValues.SettingsJson(values);
    }

    private static string? BaseUrl(JsonObject body, string type, bool required)
    {
        var url = AdminHttp.OptString(body, "base_url", max: 1000);
        if (url is null)
        {
            return !required ? null : ConfigValues.DefaultBaseUrls.ContainsKey(type) ? ConfigValues.BaseUrl(type, null) : throw AdminHttp.Invalid("base_url", $"is required for type {type}");
        }

        return ConfigValues.BaseUrlProblem(url) is { } problem ? throw AdminHttp.Invalid("base_url", problem) : ConfigValues.BaseUrl(type, url);
    }

    private static async Task<string?> OwnerAsync(AdminContext ctx, JsonObject body)
    {
        var owner = AdminHttp.OptString(body, "owner_tenant_id");
        if (owner is null)
        {
            return ctx.Scope.IsPlatform ? null : throw AdminHttp.Invalid("owner_tenant_id", "is required: only platform admins manage shared providers");
        }

        await using var db = ctx.Database.Open();
        return await ctx.Scope.Tenants(db).AnyAsync(t => t.Id == owner, ctx.CancellationToken).ConfigureAwait(false) ? owner : throw AdminHttp.Invalid("owner_tenant_id", "no such tenant");
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("provider.create", "provider", null, AdminTopics.Models, async note =>
    {
        AdminHttp.OnlyFields(body, "id", "type", "base_url", "api_key", "settings", "owner_tenant_id", "is_enabled");
        var id = AdminHttp.ReqString(body, "id", ConfigValues.Identifier(), "lowercase letters, digits, '.', '_' and '-'", 100);
        var type = AdminHttp.ReqString(body, "type", max: 50);
        if (!ProviderTypes.IsKnown(type))
        {
            throw AdminHttp.Invalid("type", $"unknown provider type (allowed: {string.Join(", ", ProviderTypes.All)})");
        }

        var now = UnixMs.Now();
        var apiKey = AdminHttp.OptString(body, "api_key", max: 4096);
        var row = new ProviderRow
        {
            Id = id,
            Type = type,
            BaseUrl = BaseUrl(body, type, required: true)!,
            CredentialsEncrypted = apiKey is null ? null : ctx.Protector.Protect(apiKey, id),
            SettingsJson = Settings(body),
            OwnerTenantId = await OwnerAsync(ctx, body).ConfigureAwait(false),
            IsEnabled = AdminHttp.OptBool(body, "is_enabled") ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var db = ctx.Database.Open();
        if (await db.GetTable<ProviderRow>().AnyAsync(p => p.Id == id, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A provider '{id}' already exists.");
        }

        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        (note.TargetId, note.TenantId) = (id, row.OwnerTenantId);
        note.Summary["type"] = type;
        note.Summary["base_url"] = row.BaseUrl;
        note.Summary["api_key"] = apiKey is null ? null : "***";
        return Render(row);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("provider.update", "provider", id, AdminTopics.Models, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, "base_url", "api_key", "settings", "is_enabled");
        row.BaseUrl = BaseUrl(body, row.Type, required: false) ?? row.BaseUrl;
        if (body.ContainsKey("api_key"))
        {
            // null clears the credential (servers without auth); a string replaces it.
            row.CredentialsEncrypted = AdminHttp.OptString(body, "api_key", max: 4096) is { } key ? ctx.Protector.Protect(key, id) : null;
        }

        row.SettingsJson = body.ContainsKey("settings") ? Settings(body) : row.SettingsJson;
        row.IsEnabled = AdminHttp.OptBool(body, "is_enabled") ?? row.IsEnabled;
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.OwnerTenantId;
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return Render(row);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("provider.delete", "provider", id, AdminTopics.Models, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        await using var db = ctx.Database.Open();
        if (await db.GetTable<BackendModelRow>().AnyAsync(b => b.ProviderId == id, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict("The provider still has backend models; delete them first.");
        }

        await db.GetTable<ProviderRow>().Where(p => p.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.OwnerTenantId;
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
