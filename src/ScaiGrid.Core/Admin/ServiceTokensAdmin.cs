using System.Text.Json;
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

namespace ScaiGrid.Core.Admin;

/// <summary><c>/v1/admin/service_tokens</c>: platform admins only; the token is shown once, at creation.</summary>
internal static class ServiceTokensAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/service_tokens").RequirePermission(Permissions.PlatformManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(AdminContext.From(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapPost("/{id}/revoke", async (HttpContext h, string id) => AdminHttp.Json(await RevokeAsync(AdminContext.From(h), id)));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await RevokeAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(ServiceTokenRow t) => new()
    {
        ["id"] = t.Id,
        ["name"] = t.Name,
        ["services"] = AdminHttp.Array(JsonSerializer.Deserialize<string[]>(t.ServicesJson) ?? []),
        ["prefix"] = t.LookupPrefix,
        ["expires_at"] = AdminHttp.Iso(t.ExpiresAt),
        ["revoked_at"] = AdminHttp.Iso(t.RevokedAt),
        ["created_at"] = AdminHttp.Iso(t.CreatedAt),
    };

    // Service tokens belong to no tenant: only the platform scope sees any.
    private static IQueryable<ServiceTokenRow> Scoped(AdminContext ctx, IDataContext db) =>
        ctx.Scope.IsPlatform ? db.GetTable<ServiceTokenRow>() : db.GetTable<ServiceTokenRow>().Where(t => t.Id == null);

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        if (AdminHttp.Filter(request, "name") is { } name)
        {
            q = q.Where(t => t.Name == name);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<ServiceTokenRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(t => t.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("service token", id);
    }

    private static List<string>? Services(JsonObject body)
    {
        var services = AdminHttp.OptStrings(body, "services", ConfigValues.ServiceName(), "must be a service name such as scaiinfer");
        return services is { Count: 0 } ? throw AdminHttp.Invalid("services", "must name at least one service") : services;
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("service_token.create", "service_token", null, AdminTopics.Identity, async note =>
    {
        AdminHttp.OnlyFields(body, "name", "services", "expires_at");
        var name = AdminHttp.ReqString(body, "name", ConfigValues.Identifier(), "lowercase letters, digits, '.', '_' and '-'", 100);
        var services = Services(body) ?? throw AdminHttp.Invalid("services", "is required");
        var token = CredentialHasher.Generate(CredentialHasher.ServiceTokenPrefix);
        var row = new ServiceTokenRow
        {
            Id = Ids.New("stk"),
            Name = name,
            ServicesJson = ConfigValues.ServicesJson(services),
            LookupPrefix = CredentialHasher.LookupPrefix(token),
            TokenHash = ctx.Hasher.Hash(token),
            ExpiresAt = AdminHttp.OptTime(body, "expires_at"),
            CreatedAt = UnixMs.Now(),
        };
        await using var db = ctx.Database.Open();
        if (await db.GetTable<ServiceTokenRow>().AnyAsync(t => t.Name == name, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A service token named '{name}' already exists.");
        }

        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.TargetId = row.Id;
        note.Summary["name"] = name;
        note.Summary["services"] = AdminHttp.Array(services);
        var rendered = Render(row);
        rendered["token"] = token;
        return rendered;
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("service_token.update", "service_token", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, "services", "expires_at");
        row.ServicesJson = Services(body) is { } services ? ConfigValues.ServicesJson(services) : row.ServicesJson;
        row.ExpiresAt = body.ContainsKey("expires_at") ? AdminHttp.OptTime(body, "expires_at") : row.ExpiresAt;
        await using var db = ctx.Database.Open();
        await db.GetTable<ServiceTokenRow>().Where(t => t.Id == id).Set(t => t.ServicesJson, row.ServicesJson).Set(t => t.ExpiresAt, row.ExpiresAt)
            .UpdateAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return Render(row);
    });

    public static Task<JsonObject> RevokeAsync(AdminContext ctx, string id) => ctx.MutateAsync("service_token.revoke", "service_token", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        row.RevokedAt ??= UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.GetTable<ServiceTokenRow>().Where(t => t.Id == id && t.RevokedAt == null).Set(t => t.RevokedAt, row.RevokedAt).UpdateAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.Summary["prefix"] = row.LookupPrefix;
        return Render(row);
    });
}
