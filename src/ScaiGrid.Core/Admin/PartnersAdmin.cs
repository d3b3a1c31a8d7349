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

/// <summary><c>/v1/admin/partners</c>: platform admins only (partners are the top of the hierarchy).</summary>
internal static class PartnersAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/partners").RequirePermission(Permissions.PlatformManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(AdminContext.From(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(PartnerRow p) => new()
    {
        ["id"] = p.Id,
        ["slug"] = p.Slug,
        ["name"] = p.Name,
        ["is_active"] = p.IsActive,
        ["created_at"] = AdminHttp.Iso(p.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(p.UpdatedAt),
    };

    private static IQueryable<PartnerRow> Scoped(AdminContext ctx, IDataContext db) =>
        ctx.Scope.IsPlatform ? db.GetTable<PartnerRow>() : db.GetTable<PartnerRow>().Where(p => p.Id == ctx.Scope.PartnerId);

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        if (AdminHttp.Filter(request, "slug") is { } slug)
        {
            q = q.Where(p => p.Slug == slug);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<PartnerRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(p => p.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("partner", id);
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("partner.create", "partner", null, null, async note =>
    {
        AdminHttp.OnlyFields(body, "slug", "name", "is_active");
        var slug = AdminHttp.ReqString(body, "slug", ConfigValues.TenancySlug(), "must be lowercase letters, digits and '-'", 100);
        var now = UnixMs.Now();
        var row = new PartnerRow
        {
            Id = Ids.New("ptn"),
            Slug = slug,
            Name = AdminHttp.OptString(body, "name") ?? slug,
            IsActive = AdminHttp.OptBool(body, "is_active") ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var db = ctx.Database.Open();
        if (await db.GetTable<PartnerRow>().AnyAsync(p => p.Slug == slug, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A partner with slug '{slug}' already exists.");
        }

        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        (note.TargetId, note.PartnerId) = (row.Id, row.Id);
        note.Summary["slug"] = slug;
        return Render(row);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("partner.update", "partner", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, "name", "is_active");
        row.Name = AdminHttp.OptString(body, "name") ?? row.Name;
        row.IsActive = AdminHttp.OptBool(body, "is_active") ?? row.IsActive;
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.PartnerId = row.Id;
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return Render(row);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("partner.delete", "partner", id, AdminTopics.Identity, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        await using var db = ctx.Database.Open();
        if (row.Id == DefaultTenancy.PartnerId || await db.GetTable<TenantRow>().AnyAsync(t => t.PartnerId == id, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict("The partner still has tenants (or is the default partner); delete or move them first.");
        }

        await db.GetTable<PartnerRow>().Where(p => p.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.PartnerId = id;
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
