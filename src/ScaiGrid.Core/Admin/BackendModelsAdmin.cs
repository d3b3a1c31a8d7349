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

/// <summary><c>/v1/admin/backend_models</c> (providers:manage): scoped through their provider. Prices are nano-USD per million tokens.</summary>
internal static class BackendModelsAdmin
{
    private const long MaxPrice = 1_000_000_000_000_000;

    public static void Map(IEndpointRouteBuilder admin)
    {
        var g = admin.MapGroup("/backend_models").RequirePermission(Permissions.ProvidersManage);
        g.MapGet("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await ListAsync(AdminContext.From(h), h.Request)));
        g.MapGet("/{id}", async (HttpContext h, string id) => AdminHttp.Json(Render(await FindAsync(AdminContext.From(h), id))));
        g.MapPost("", async Task<IResult> (HttpContext h) => AdminHttp.Json(await CreateAsync(AdminContext.From(h), await AdminHttp.ReadObjectAsync(h.Request)), StatusCodes.Status201Created));
        g.MapPatch("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await UpdateAsync(AdminContext.From(h), id, await AdminHttp.ReadObjectAsync(h.Request))));
        g.MapDelete("/{id}", async (HttpContext h, string id) => AdminHttp.Json(await DeleteAsync(AdminContext.From(h), id)));
    }

    public static JsonObject Render(BackendModelRow b) => new()
    {
        ["id"] = b.Id,
        ["provider_id"] = b.ProviderId,
        ["upstream_model"] = b.UpstreamModel,
        ["capabilities"] = JsonNode.Parse(b.CapabilitiesJson),
        ["input_nano_usd_per_mtok"] = b.InputNanoUsdPerMtok,
        ["output_nano_usd_per_mtok"] = b.OutputNanoUsdPerMtok,
        ["cached_input_nano_usd_per_mtok"] = b.CachedInputNanoUsdPerMtok,
        ["context_window"] = b.ContextWindow,
        ["max_output_tokens"] = b.MaxOutputTokens,
        ["is_enabled"] = b.IsEnabled,
        ["created_at"] = AdminHttp.Iso(b.CreatedAt),
        ["updated_at"] = AdminHttp.Iso(b.UpdatedAt),
    };

    public static IQueryable<BackendModelRow> Scoped(AdminContext ctx, IDataContext db)
    {
        if (ctx.Scope.IsPlatform)
        {
            return db.GetTable<BackendModelRow>();
        }

        var providers = ProvidersAdmin.Scoped(ctx, db).Select(p => p.Id);
        return db.GetTable<BackendModelRow>().Where(b => providers.Contains(b.ProviderId));
    }

    public static async Task<JsonObject> ListAsync(AdminContext ctx, HttpRequest request)
    {
        await using var db = ctx.Database.Open();
        var q = Scoped(ctx, db);
        if (AdminHttp.Filter(request, "provider_id") is { } provider)
        {
            q = q.Where(b => b.ProviderId == provider);
        }

        return await AdminHttp.PageAsync(q, request, Render, ctx.CancellationToken).ConfigureAwait(false);
    }

    public static async Task<BackendModelRow> FindAsync(AdminContext ctx, string id)
    {
        await using var db = ctx.Database.Open();
        return await Scoped(ctx, db).FirstOrDefaultAsync(b => b.Id == id, ctx.CancellationToken).ConfigureAwait(false) ?? throw AdminHttp.NotFound("backend model", id);
    }

    private static void ApplyFields(BackendModelRow row, JsonObject body)
    {
        if (AdminHttp.OptStrings(body, "capabilities") is { } capabilities)
        {
            var unknown = capabilities.FirstOrDefault(c => !ConfigValues.Capabilities.Contains(c, StringComparer.Ordinal));
            row.CapabilitiesJson = unknown is null ? ConfigValues.CapabilitiesJson(capabilities) : throw AdminHttp.Invalid("capabilities", $"unknown capability '{unknown}' (allowed: {string.Join(", ", ConfigValues.Capabilities)})");
        }

        row.UpstreamModel = AdminHttp.OptString(body, "upstream_model") ?? row.UpstreamModel;
        row.InputNanoUsdPerMtok = AdminHttp.OptLong(body, "input_nano_usd_per_mtok", 0, MaxPrice) ?? row.InputNanoUsdPerMtok;
        row.OutputNanoUsdPerMtok = AdminHttp.OptLong(body, "output_nano_usd_per_mtok", 0, MaxPrice) ?? row.OutputNanoUsdPerMtok;
        row.CachedInputNanoUsdPerMtok = AdminHttp.OptLong(body, "cached_input_nano_usd_per_mtok", 0, MaxPrice) ?? row.CachedInputNanoUsdPerMtok;
        row.ContextWindow = body.ContainsKey("context_window") ? (int?)AdminHttp.OptLong(body, "context_window", 1, int.MaxValue) : row.ContextWindow;
        row.MaxOutputTokens = body.ContainsKey("max_output_tokens") ? (int?)AdminHttp.OptLong(body, "max_output_tokens", 1, int.MaxValue) : row.MaxOutputTokens;
        row.IsEnabled = AdminHttp.OptBool(body, "is_enabled") ?? row.IsEnabled;
    }

    private static readonly string[] Fields =
        ["upstream_model", "capabilities", "input_nano_usd_per_mtok", "output_nano_usd_per_mtok", "cached_input_nano_usd_per_mtok", "context_window", "max_output_tokens", "is_enabled"];

    public static Task<JsonObject> CreateAsync(AdminContext ctx, JsonObject body) => ctx.MutateAsync("backend_model.create", "backend_model", null, AdminTopics.Models, async note =>
    {
        AdminHttp.OnlyFields(body, [.. Fields, "id", "provider_id"]);
        var id = AdminHttp.ReqString(body, "id", ConfigValues.Identifier(), "lowercase letters, digits, '.', '_' and '-'", 100);
        var providerId = AdminHttp.ReqString(body, "provider_id");
        AdminHttp.ReqString(body, "upstream_model");
        await using var db = ctx.Database.Open();
        var provider = await ProvidersAdmin.Scoped(ctx, db).FirstOrDefaultAsync(p => p.Id == providerId, ctx.CancellationToken).ConfigureAwait(false)
            ?? throw AdminHttp.Invalid("provider_id", "no such provider");
        var now = UnixMs.Now();
        var row = new BackendModelRow { Id = id, ProviderId = providerId, CapabilitiesJson = ConfigValues.CapabilitiesJson(null), CreatedAt = now, UpdatedAt = now };
        ApplyFields(row, body);
        if (await db.GetTable<BackendModelRow>().AnyAsync(b => b.Id == id, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict($"A backend model '{id}' already exists.");
        }

        await db.InsertAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        (note.TargetId, note.TenantId) = (id, provider.OwnerTenantId);
        note.Summary["provider_id"] = providerId;
        note.Summary["upstream_model"] = row.UpstreamModel;
        return Render(row);
    });

    public static Task<JsonObject> UpdateAsync(AdminContext ctx, string id, JsonObject body) => ctx.MutateAsync("backend_model.update", "backend_model", id, AdminTopics.Models, async note =>
    {
        var row = await FindAsync(ctx, id).ConfigureAwait(false);
        AdminHttp.OnlyFields(body, Fields);
        ApplyFields(row, body);
        row.UpdatedAt = UnixMs.Now();
        await using var db = ctx.Database.Open();
        await db.UpdateAsync(row, token: ctx.CancellationToken).ConfigureAwait(false);
        note.Summary["changed"] = AdminHttp.Array(body.Select(p => p.Key));
        return Render(row);
    });

    public static Task<JsonObject> DeleteAsync(AdminContext ctx, string id) => ctx.MutateAsync("backend_model.delete", "backend_model", id, AdminTopics.Models, async note =>
    {
        await FindAsync(ctx, id).ConfigureAwait(false);
        await using var db = ctx.Database.Open();
        if (await db.GetTable<FrontendModelBackendRow>().AnyAsync(f => f.BackendModelId == id, ctx.CancellationToken).ConfigureAwait(false))
        {
            throw AdminHttp.Conflict("Frontend models still route to this backend; remove it from their backends first.");
        }

        await db.GetTable<BackendModelRow>().Where(b => b.Id == id).DeleteAsync(ctx.CancellationToken).ConfigureAwait(false);
        return new JsonObject { ["id"] = id, ["deleted"] = true };
    });
}
