using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Admin;

/// <summary><c>/v1/admin/rate_limits</c>: requests and tokens per minute, one row per object, below the caller's level.</summary>
internal static class RateLimitsAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/rate_limits").RequirePermission(Permissions.AdminAccess);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(Context(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(Context(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(Context(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(Context(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(Context(h), id)));
    }

    private static AdminContext Context(HttpContext h)
    {
        LimitScopes.EnsureMayManageLimits(h);
        return AdminContext.From(h);
    }

    public static JsonObject Render(RateLimitRow r) => new()
    {
        ["id"] = r.Id,
        ["scope_type"] = r.ScopeType,
        ["scope_id"] = r.ScopeId,
        ["rpm"] = r.Rpm,
        ["tpm"] = r.Tpm,
        ["created_at"] = AdminHttp.Iso(r.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(r.UpdatedAt),
    };

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = LimitScopes.Visible(ctx, db, db.GetTable<RateLimitRow>());
        if (AdminHttp.Filter(request, "scope_type") is { } type)
        {
            q = q.Where(r => r.ScopeType == type);
        }

        if (AdminHttp.Filter(request, "scope_id") is { } scopeId)
        {
            q = q.Where(r => r.ScopeId == scopeId);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<RateLimitRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await LimitScopes.Visible(ctx, db, db.GetTable<RateLimitRow>()).FirstOrDefaultAsync(r => r.Id == id, ctx.CancellationToken).ConfigureAwait(false)
            ?? throw AdminHttp.NotFound("rate limit", id);
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("rate_limit.create", "rate_limit", null, AdminTopics.Limits, async note =>
    {
        AdminHttp.OnlyFields(body, "scope_type", "scope_id", "rpm", "tpm");
        var type = AdminHttp.ReqString(body, "scope_type");
        var scopeId = AdminHttp.ReqString(body, "scope_id");
        var rpm = (int?)AdminHttp.OptLong(body, "rpm", 1, int.MaxValue);
        var tpm = AdminHttp.OptLong(body, "tpm", 1);
        if (rpm is null && tpm is null)
        {
            throw AdminHttp.Invalid("rpm", "give rpm, tpm or both");
        }

        note.TenantId = await LimitScopes.EnsureTargetAsync(ctx, type, scopeId, "scope_id").ConfigureAwait(false);
        var now = UnixMs.Now();
        var row = new RateLimitRow { Id = Ids.New("rlm"), ScopeType = type, ScopeId = scopeId, Rpm = rpm, Tpm = tpm, CreatedAt = now, UpdatedAt = now };
        await using var db = ctx.Database.Open();
        if (await db.GetTable<RateLimitRow>().AnyAsync(r => r.ScopeType == type && r.ScopeId == scopeId, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"This {type} already has a rate limit; update it instead.");
        }

        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.TargetId = row.Id;
        note.Summary["scope"] = $"{type}:{scopeId}";
        note.Summary["rpm"] = rpm;
        note.Summary["tpm"] = tpm;
        return Render(row);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("rate_limit.update", "rate_limit", id, AdminTopics.Limits, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        LimitScopes.EnsureBelow(ctx.Scope, row.ScopeType);
        AdminHttp.OnlyFields(body, "rpm", "tpm");
        row.Rpm = body.ContainsKey("rpm") ? (int?)AdminHttp.OptLong(body, "rpm", 1, int.MaxValue) : row.Rpm;
        row.Tpm = body.ContainsKey("tpm") ? AdminHttp.OptLong(body, "tpm", 1) : row.Tpm;
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.Summary["rpm"] = row.Rpm;
        note.Summary["tpm"] = row.Tpm;
        return Render(row);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("rate_limit.delete", "rate_limit", id, AdminTopics.Limits, async _ =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        LimitScopes.EnsureBelow(ctx.Scope, row.ScopeType);
        await using var db = ctx.Database.Open();
        await db.GetTable<RateLimitRow>().Where(r => r.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
