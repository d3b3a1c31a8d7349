using System.Text.Json;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Admin;

/// <summary>
/// <c>/v1/admin/frontend_models</c> (providers:manage) with their routing policy: the strategy and the
/// ordered backends (<c>priority</c>, <c>weight</c>), replaced as a whole when given.
/// </summary>
internal static class FrontendModelsAdmin
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/frontend_models").RequirePermission(Permissions.ProvidersManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) =>
        {
            var ctx = AdminContext.From(h);
            return AdminHttp.Json(await RenderAsync(ctx, await FindAsync(ctx, id)));
        });
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(FrontendModelRow f, IEnumerable<FrontendModelBackendRow>? backends) => new()
    {
        ["id"] = f.Id,
        ["slug"] = f.Slug,
        ["display_name"] = f.DisplayName,
        ["description"] = f.Description,
        ["routing_strategy"] = f.RoutingStrategy,
        ["system_prompt_mode"] = f.SystemPromptMode,
        ["system_prompt_text"] = f.SystemPromptText,
        ["owner_tenant_id"] = f.OwnerTenantId,
        ["is_enabled"] = f.IsEnabled,
        ["backends"] = backends is null ? null : new JsonArray([.. backends.OrderBy(b => b.Priority).ThenBy(b => b.BackendModelId, StringComparer.Ordinal).Select(b => (JsonNode?)new JsonObject
        {
            ["backend_model_id"] = b.BackendModelId,
            ["priority"] = b.Priority,
            ["weight"] = b.Weight,
        })]),
        ["created_at"] = AdminHttp.Iso(f.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(f.UpdatedAt),
    };

    private static async Task<JsonObject> RenderAsync(AdminContext ctx, FrontendModelRow f)
    {
        await using var db = ctx.Database.Open();
        return Render(f, await db.GetTable<FrontendModelBackendRow>().Where(b => b.FrontendModelId == f.Id).ToListAsync(ctx.CancellationToken).ConfigureAwait(false));
    }

    private static IQueryable<FrontendModelRow> Scoped(AdminContext ctx, IDataContext db)
    {
        if (ctx.Scope.IsPlatform)
        {
            return db.GetTable<FrontendModelRow>();
        }

        var tenants = ctx.Scope.TenantIds(db);
        return db.GetTable<FrontendModelRow>().Where(f => f.OwnerTenantId != null && tenants.Contains(f.OwnerTenantId));
    }

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        if (AdminHttp.Filter(request, "slug") is { } slug)
        {
            q = q.Where(f => f.Slug == slug);
        }

        if (AdminHttp.Filter(request, "owner_tenant_id") is { } owner)
        {
            q = q.Where(f => f.OwnerTenantId == owner);
        }

        return await AdminHttp.PageAsync(q, request, f => Render(f, null), ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<FrontendModelRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(f => f.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("frontend model", id);
    }

    private static readonly string[] Fields = ["display_name", "description", "routing_strategy", "system_prompt_mode", "system_prompt_text", "is_enabled", "backends"];

    private static void ApplyFields(FrontendModelRow row, JsonObject body)
    {
        row.DisplayName = body.ContainsKey("display_name") ? AdminHttp.OptString(body, "display_name") : row.DisplayName;
        row.Description = body.ContainsKey("description") ? AdminHttp.OptString(body, "description", max: 4000) : row.Description;
        if (AdminHttp.OptString(body, "routing_strategy") is { } strategy)
        {
            row.RoutingStrategy = ConfigValues.Strategies.Contains(strategy, StringComparer.Ordinal) ? strategy : throw AdminHttp.Invalid("routing_strategy", $"must be one of {string.Join(", ", ConfigValues.Strategies)}");
        }

        if (body.ContainsKey("system_prompt_mode"))
        {
            var mode = AdminHttp.OptString(body, "system_prompt_mode");
            row.SystemPromptMode = mode is null || ConfigValues.SystemPromptModes.Contains(mode, StringComparer.Ordinal) ? mode : throw AdminHttp.Invalid("system_prompt_mode", $"must be one of {string.Join(", ", ConfigValues.SystemPromptModes)} or null");
        }

        row.SystemPromptText = body.ContainsKey("system_prompt_text") ? AdminHttp.OptString(body, "system_prompt_text", max: 100_000) : row.SystemPromptText;
        if (row.SystemPromptMode is not null && row.SystemPromptText is null)
        {
            throw AdminHttp.Invalid("system_prompt_text", "is required when system_prompt_mode is set");
        }

        row.IsEnabled = AdminHttp.OptBool(body, "is_enabled") ?? row.IsEnabled;
    }

    /// <summary>The routing policy's backends, each one a backend model the caller can see.</summary>
    private static async Task<List<FrontendModelBackendRow>?> BackendsAsync(AdminContext ctx, IDataContext db, string frontendId, JsonObject body)
    {
        if (!body.TryGetPropertyValue("backends", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonArray array || array.Count == 0)
        {
            throw AdminHttp.Invalid("backends", "must be a non-empty array of {backend_model_id, priority, weight}");
        }

        var rows = new List<FrontendModelBackendRow>();
        for (var i = 0; i < array.Count; i++)
        {
            var path = $"backends[{i}]";
            if (array[i] is not JsonObject item)
            {
                throw AdminHttp.Invalid(path, "must be an object");
            }

            var id = AdminHttp.OptString(item, "backend_model_id") ?? throw AdminHttp.Invalid(path + ".backend_model_id", "is required");
            if (!await BackendModelsAdmin.Scoped(ctx, db).AnyAsync(b => b.Id == id, ctx.CancellationToken).ConfigureAwait(false))
            {
                throw AdminHttp.Invalid(path + ".backend_model_id", "no such backend model");
            }

            if (rows.Any(r => r.BackendModelId == id))
            {
                throw AdminHttp.Invalid(path + ".backend_model_id", "is listed twice");
            }

            rows.Add(new FrontendModelBackendRow
            {
                FrontendModelId = frontendId,
                BackendModelId = id,
                Priority = (int)(AdminHttp.OptLong(item, "priority", 1, 1000) ?? ConfigValues.DefaultPriority),
                Weight = (int)(AdminHttp.OptLong(item, "weight", 1, 1_000_000) ?? ConfigValues.DefaultWeight),
            });
        }

        return rows;
    }

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("frontend_model.create", "frontend_model", null, AdminTopics.Models, async note =>
    {
        AdminHttp.OnlyFields(body, [.. Fields, "slug", "owner_tenant_id"]);
        var slug = AdminHttp.ReqString(body, "slug", ConfigValues.ModelSlug(), "lowercase letters, digits, '.', '_', '-' and '/'", 200);
        await using var db = ctx.Database.Open();
        var owner = AdminHttp.OptString(body, "owner_tenant_id");
        if (owner is null && !ctx.Scope.IsPlatform)
        {
            throw AdminHttp.Invalid("owner_tenant_id", "is required: only platform admins manage shared models");
        }

        if (owner is not null && !await ctx.Scope.Tenants(db).AnyAsync(t => t.Id == owner, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Invalid("owner_tenant_id", "no such tenant");
        }

        var now = UnixMs.Now();
        var row = new FrontendModelRow { Id = Ids.New("fmd"), Slug = slug, OwnerTenantId = owner, CreatedAt = now, UpdatedAt = now };
        ApplyFields(row, body);
        var backends = await BackendsAsync(ctx, db, row.Id, body).ConfigureAwait(false) ?? throw AdminHttp.Invalid("backends", "is required");
        if (await db.GetTable<FrontendModelRow>().AnyAsync(f => f.Slug == slug, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A frontend model '{slug}' already exists.");
        }

        await using (var tx = await db.BeginTransactionAsync(ctx.CancellationToken).ConfigureAwait(false))
        {
            await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
            foreach (var backend in backends)
            {
                await db.InsertAsync(backend, token: ctx.CancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(ctx.CancellationToken).ConfigureAwait(false);
        }

        (note.TargetId, note.TenantId) = (row.Id, owner);
        note.Summary["slug"] = slug;
        note.Summary["backends"] = JsonSerializer.SerializeToNode(backends.Select(b => b.BackendModelId).ToArray(), AdminJsonContext.Default.StringArray);
        return Render(row, backends);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("frontend_model.update", "frontend_model", id, AdminTopics.Models, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, Fields);
        ApplyFields(row, body);
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        var backends = await BackendsAsync(ctx, db, id, body).ConfigureAwait(false);
        await using (var tx = await db.BeginTransactionAsync(ctx.CancellationToken).ConfigureAwait(false))
        {
            await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
            if (backends is not null)
            {
                await db.GetTable<FrontendModelBackendRow>().Where(b => b.FrontendModelId == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
                foreach (var backend in backends)
                {
                    await db.InsertAsync(backend, token: ctx.CancellationToken).ConfigureAwait(false);
                }
            }

            await tx.CommitAsync(ctx.CancellationToken).ConfigureAwait(false);
        }

        note.TenantId = row.OwnerTenantId;
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return await RenderAsync(ctx, row).ConfigureAwait(false);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("frontend_model.delete", "frontend_model", id, AdminTopics.Models, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        await using var db = ctx.Database.Open();
        await using var tx = await db.BeginTransactionAsync(ctx.CancellationToken).ConfigureAwait(false);
        await db.GetTable<FrontendModelBackendRow>().Where(b => b.FrontendModelId == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        await db.GetTable<FrontendModelRow>().Where(f => f.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(ctx.CancellationToken).ConfigureAwait(false);
        note.TenantId = row.OwnerTenantId;
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
