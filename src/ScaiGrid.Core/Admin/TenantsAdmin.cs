using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Admin;

/// <summary><c>/v1/admin/tenants</c>: platform admins all, partner admins their partner's (tenants:manage).</summary>
internal static class TenantsAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/tenants").RequirePermission(Permissions.TenantsManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(AdminContext.From(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(TenantRow t) => new()
    {
        ["id"] = t.Id,
        ["partner_id"] = t.PartnerId,
        ["slug"] = t.Slug,
        ["name"] = t.Name,
        ["is_active"] = t.IsActive,
        ["created_at"] = AdminHttp.Iso(t.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(t.UpdatedAt),
    };

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest? request, string? partnerSlug = null)
    {
        await using var db = ctx.Database.Open();
        var q = ctx.Scope.Tenants(db);
        var slug = request is null ? null : AdminHttp.Filter(request, "slug");
        var partnerId = request is null ? null : AdminHttp.Filter(request, "partner_id");
        if (slug is not null)
        {
            q = q.Where(t => t.Slug == slug);
        }

        if (partnerId is not null)
        {
            q = q.Where(t => t.PartnerId == partnerId);
        }

        if (partnerSlug is not null)
        {
            q = q.Where(t => db.GetTable<PartnerRow>().Any(p => p.Id == t.PartnerId && p.Slug == partnerSlug));
        }

        return await AdminHttp.PageAsync(q, request ?? new DefaultHttpContext().Request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<TenantRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await ctx.Scope.Tenants(db).FirstOrDefaultAsync(t => t.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("tenant", id);
    }

    /// <summary>A tenant by slug within the caller's scope (the CLI names tenants by slug).</summary>
    public static async Task<TenantRow> FindBySlugAsync(AdminContext ctx, string slug)
    {
        await using var db = ctx.Database.Open();
        return await ctx.Scope.Tenants(db).FirstOrDefaultAsync(t => t.Slug == slug, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("tenant", slug);
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("tenant.create", "tenant", null, null, async note =>
    {
        AdminHttp.OnlyFields(body, "slug", "name", "partner_id", "partner_slug", "is_active");
        var slug = AdminHttp.ReqString(body, "slug", ConfigValues.TenancySlug(), "must be lowercase letters, digits and '-'", 100);
        var partnerId = AdminHttp.OptString(body, "partner_id");
        var partnerSlug = AdminHttp.OptString(body, "partner_slug");
        await using var db = ctx.Database.Open();
        var partners = ctx.Scope.IsPlatform ? db.GetTable<PartnerRow>() : db.GetTable<PartnerRow>().Where(p => p.Id == ctx.Scope.PartnerId);
        var partner = partnerId is not null ? await partners.FirstOrDefaultAsync(p => p.Id == partnerId, ctx.CancellationToken).ConfigureAwait(false)
            : partnerSlug is not null ? await partners.FirstOrDefaultAsync(p => p.Slug == partnerSlug, ctx.CancellationToken).ConfigureAwait(false)
            : ctx.Scope.IsPlatform ? await partners.FirstOrDefaultAsync(p => p.Id == DefaultTenancy.PartnerId, ctx.CancellationToken).ConfigureAwait(false)
            : await partners.FirstOrDefaultAsync(ctx.CancellationToken).ConfigureAwait(false);
        if (partner is null)
        {
            throw AdminHttp.Invalid(partnerId is not null ? "partner_id" : "partner_slug", "no such partner");
        }

        if (await db.GetTable<TenantRow>().AnyAsync(t => t.Slug == slug, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A tenant with slug '{slug}' already exists.");
        }

        var now = UnixMs.Now();
        var row = new TenantRow
        {
            Id = Ids.New("ten"),
            PartnerId = partner.Id,
            Slug = slug,
            Name = AdminHttp.OptString(body, "name") ?? slug,
            IsActive = AdminHttp.OptBool(body, "is_active") ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        (note.TargetId, note.PartnerId, note.TenantId) = (row.Id, row.PartnerId, row.Id);
        note.Summary["slug"] = slug;
        note.Summary["partner_id"] = row.PartnerId;
        return Render(row);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("tenant.update", "tenant", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, "name", "is_active");
        row.Name = AdminHttp.OptString(body, "name") ?? row.Name;
        row.IsActive = AdminHttp.OptBool(body, "is_active") ?? row.IsActive;
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        (note.PartnerId, note.TenantId) = (row.PartnerId, row.Id);
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return Render(row);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("tenant.delete", "tenant", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        await using var db = ctx.Database.Open();
        if (row.Id == DefaultTenancy.TenantId || await db.GetTable<UserRow>().AnyAsync(u => u.TenantId == id, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict("The tenant still has users (or is the default tenant); delete them first.");
        }

        await db.GetTable<TenantRow>().Where(t => t.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        (note.PartnerId, note.TenantId) = (row.PartnerId, row.Id);
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
