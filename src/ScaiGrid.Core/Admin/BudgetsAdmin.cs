using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Admin;

/// <summary><c>/v1/admin/budgets</c>: spending limits in nano-USD per period, on objects below the caller's level.</summary>
internal static class BudgetsAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/budgets").RequirePermission(Permissions.AdminAccess);
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

    public static JsonObject Render(BudgetRow b) => new()
    {
        ["id"] = b.Id,
        ["scope_type"] = b.ScopeType,
        ["scope_id"] = b.ScopeId,
        ["period"] = b.Period,
        ["limit_nano_usd"] = b.LimitNanoUsd,
        ["soft_threshold_pct"] = b.SoftThresholdPct,
        ["created_at"] = AdminHttp.Iso(b.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(b.UpdatedAt),
    };

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = LimitScopes.Visible(ctx, db, db.GetTable<BudgetRow>());
        if (AdminHttp.Filter(request, "scope_type") is { } type)
        {
            q = q.Where(b => b.ScopeType == type);
        }

        if (AdminHttp.Filter(request, "scope_id") is { } scopeId)
        {
            q = q.Where(b => b.ScopeId == scopeId);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<BudgetRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await LimitScopes.Visible(ctx, db, db.GetTable<BudgetRow>()).FirstOrDefaultAsync(b => b.Id == id, ctx.CancellationToken).ConfigureAwait(false)
            ?? throw AdminHttp.NotFound("budget", id);
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("budget.create", "budget", null, AdminTopics.Limits, async note =>
    {
        AdminHttp.OnlyFields(body, "scope_type", "scope_id", "period", "limit_nano_usd", "soft_threshold_pct");
        var type = AdminHttp.ReqString(body, "scope_type");
        var scopeId = AdminHttp.ReqString(body, "scope_id");
        var period = AdminHttp.ReqString(body, "period");
        if (!ConfigValues.Periods.Contains(period, StringComparer.Ordinal))
        {
            throw AdminHttp.Invalid("period", $"must be one of {string.Join(", ", ConfigValues.Periods)}");
        }

        var limit = AdminHttp.OptLong(body, "limit_nano_usd") ?? throw AdminHttp.Invalid("limit_nano_usd", "is required");
        note.TenantId = await LimitScopes.EnsureTargetAsync(ctx, type, scopeId, "scope_id").ConfigureAwait(false);
        var now = UnixMs.Now();
        var row = new BudgetRow
        {
            Id = Ids.New("bgt"),
            ScopeType = type,
            ScopeId = scopeId,
            Period = period,
            LimitNanoUsd = limit,
            SoftThresholdPct = (int?)AdminHttp.OptLong(body, "soft_threshold_pct", 1, 100) ?? ConfigValues.DefaultSoftThresholdPct,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var db = ctx.Database.Open();
        if (await db.GetTable<BudgetRow>().AnyAsync(b => b.ScopeType == type && b.ScopeId == scopeId && b.Period == period, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A {period} budget for this {type} already exists; update it instead.");
        }

        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.TargetId = row.Id;
        note.Summary["scope"] = $"{type}:{scopeId}";
        note.Summary["period"] = period;
        note.Summary["limit_nano_usd"] = limit;
        return Render(row);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("budget.update", "budget", id, AdminTopics.Limits, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        LimitScopes.EnsureBelow(ctx.Scope, row.ScopeType);
        AdminHttp.OnlyFields(body, "limit_nano_usd", "soft_threshold_pct");
        row.LimitNanoUsd = AdminHttp.OptLong(body, "limit_nano_usd") ?? row.LimitNanoUsd;
        row.SoftThresholdPct = body.ContainsKey("soft_threshold_pct") ? (int?)AdminHttp.OptLong(body, "soft_threshold_pct", 1, 100) : row.SoftThresholdPct;
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.Summary["limit_nano_usd"] = row.LimitNanoUsd;
        return Render(row);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("budget.delete", "budget", id, AdminTopics.Limits, async _ =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        LimitScopes.EnsureBelow(ctx.Scope, row.ScopeType);
        await using var db = ctx.Database.Open();
        await db.GetTable<BudgetRow>().Where(b => b.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
