using System.Text.Json.Nodes;
using LinqToDB;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Audit;

namespace ScaiGrid.Core.Admin;

/// <summary><c>GET /v1/admin/audit</c> (audit:read): the audit trail of the caller's tenancy, newest ids not implied (keyset by id).</summary>
internal static class AuditAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        admin.MapGet("/audit", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request))).RequirePermission(Permissions.AuditRead);
    }

    public static JsonObject Render(AuditRow a) => new()
    {
        ["id"] = a.Id,
        ["request_id"] = a.RequestId,
        ["actor_type"] = a.ActorType,
        ["actor_id"] = a.ActorId,
        ["partner_id"] = a.PartnerId,
        ["tenant_id"] = a.TenantId,
        ["action"] = a.Action,
        ["target_type"] = a.TargetType,
        ["target_id"] = a.TargetId,
        ["summary"] = a.SummaryJson is null ? null : JsonNode.Parse(a.SummaryJson),
        ["outcome"] = a.Outcome,
        ["created_at"] = AdminHttp.Iso(a.CreatedAt),
    };

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        IQueryable<AuditRow> q = db.GetTable<AuditRow>();
        switch (ctx.Scope.Level)
        {
            case ScopeLevel.Partner:
                var partnerId = ctx.Scope.PartnerId;
                var tenants = ctx.Scope.TenantIds(db);
                q = q.Where(a => a.PartnerId == partnerId || (a.TenantId != null && tenants.Contains(a.TenantId)));
                break;
            case ScopeLevel.Tenant:
                var tenantId = ctx.Scope.TenantId;
                q = q.Where(a => a.TenantId == tenantId);
                break;
        }

        foreach (var (name, apply) in Filters)
        {
            if (AdminHttp.Filter(request, name) is { } value)
            {
                q = apply(q, value);
            }
        }

        if (Time(request, "from") is { } from)
        {
            q = q.Where(a => a.CreatedAt >= from);
        }

        if (Time(request, "to") is { } to)
        {
            q = q.Where(a => a.CreatedAt < to);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    private static readonly (string Name, Func<IQueryable<AuditRow>, string, IQueryable<AuditRow>> Apply)[] Filters =
    [
        ("action", (q, v) => q.Where(a => a.Action == v)),
        ("actor_id", (q, v) => q.Where(a => a.ActorId == v)),
        ("actor_type", (q, v) => q.Where(a => a.ActorType == v)),
        ("target_type", (q, v) => q.Where(a => a.TargetType == v)),
        ("target_id", (q, v) => q.Where(a => a.TargetId == v)),
        ("request_id", (q, v) => q.Where(a => a.RequestId == v)),
        ("outcome", (q, v) => q.Where(a => a.Outcome == v)),
    ];

    private static long? Time(HttpRequest request, string name)
    {
        var text = AdminHttp.Filter(request, name);
        return text is null ? null : AdminHttp.OptTime(new JsonObject { [name] = text }, name);
    }
}
