using System.CommandLine;
using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Admin;
using ScaiGrid.Core.Audit;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;

namespace ScaiGrid.Core.Hosting;

/// <summary>
/// Operator verbs for tenancy and keys (<c>scaigrid keys|tenants|users …</c>). They run the admin API's own
/// operations with platform scope, so validation, audit (actor <c>cli</c>) and cache invalidation are the same.
/// </summary>
internal static class IdentityCommands
{
    public static IEnumerable<Command> Create(Func<ScaiGridCli.Loaded> load, Action<int> setExit)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant slug.", Required = true };
        var user = new Option<string>("--user") { Description = "User email.", Required = true };
        var name = new Option<string>("--name") { Description = "Key name (default: default)." };
        var expires = new Option<string?>("--expires") { Description = "Expiry, ISO 8601 (e.g. 2027-01-01)." };
        var keysCreate = new Command("create", "Create an API key; the key is printed once.") { tenant, user, name, expires };
        var keysTenant = new Option<string>("--tenant") { Description = "Tenant slug.", Required = true };
        var keysList = new Command("list", "List a tenant's API keys (never the keys themselves).") { keysTenant };
        var keyId = new Argument<string>("id") { Description = "API key id (key_…)." };
        var keysRevoke = new Command("revoke", "Revoke an API key on every replica.") { keyId };
        var keys = new Command("keys", "Manage API keys.") { keysCreate, keysList, keysRevoke };

        var tenantsList = new Command("list", "List tenants.");
        var slug = new Argument<string>("slug") { Description = "New tenant slug." };
        var partner = new Option<string>("--partner") { Description = "Partner slug (default: default)." };
        var tenantsCreate = new Command("create", "Create a tenant.") { slug, partner };
        var tenants = new Command("tenants", "Manage tenants.") { tenantsList, tenantsCreate };

        var userTenant = new Option<string>("--tenant") { Description = "Tenant slug.", Required = true };
        var email = new Option<string>("--email") { Description = "Email.", Required = true };
        var role = new Option<string>("--role") { Description = "Role (default: member)." };
        var usersCreate = new Command("create", "Create a user.") { userTenant, email, role };
        var users = new Command("users", "Manage users.") { usersCreate };

        keysCreate.SetAction((r, ct) => RunAsync(load, setExit, ct, async ctx =>
        {
            var t = await TenantsAdmin.FindBySlugAsync(ctx, r.GetValue(tenant)!);
            var u = await FindUserAsync(ctx, t.Id, r.GetValue(user)!);
            var body = new JsonObject { ["user_id"] = u, ["name"] = r.GetValue(name) ?? "default" };
            if (r.GetValue(expires) is { } e)
            {
                body["expires_at"] = e;
            }

            var key = await ApiKeysAdmin.CreateAsync(ctx, body);
            return $"{key["id"]}  {key["name"]}\n{key["key"]}\n(shown once; store it now)";
        }));
        keysList.SetAction((r, ct) => RunAsync(load, setExit, ct, async ctx =>
        {
            var t = await TenantsAdmin.FindBySlugAsync(ctx, r.GetValue(keysTenant)!);
            var page = await ApiKeysAdmin.ListAsync(ctx, Query(), t.Id);
            return string.Join('\n', page["data"]!.AsArray().Select(k => $"{k!["id"]}  {k["prefix"]}…  {k["name"]}  user={k["user_id"]}  revoked={k["revoked_at"]?.ToString() ?? "no"}"));
        }));
        keysRevoke.SetAction((r, ct) => RunAsync(load, setExit, ct, async ctx =>
        {
            var key = await ApiKeysAdmin.RevokeAsync(ctx, r.GetValue(keyId)!);
            return $"revoked {key["id"]} at {key["revoked_at"]}";
        }));
        tenantsList.SetAction((_, ct) => RunAsync(load, setExit, ct, async ctx =>
        {
            var page = await TenantsAdmin.ListAsync(ctx, Query());
            return string.Join('\n', page["data"]!.AsArray().Select(t => $"{t!["id"]}  {t["slug"]}  partner={t["partner_id"]}  active={t["is_active"]}"));
        }));
        tenantsCreate.SetAction((r, ct) => RunAsync(load, setExit, ct, async ctx =>
        {
            var created = await TenantsAdmin.CreateAsync(ctx, new JsonObject { ["slug"] = r.GetValue(slug), ["partner_slug"] = r.GetValue(partner) ?? "default" });
            return $"created tenant {created["id"]} ({created["slug"]})";
        }));
        usersCreate.SetAction((r, ct) => RunAsync(load, setExit, ct, async ctx =>
        {
            var t = await TenantsAdmin.FindBySlugAsync(ctx, r.GetValue(userTenant)!);
            var created = await UsersAdmin.CreateAsync(ctx, new JsonObject { ["tenant_id"] = t.Id, ["email"] = r.GetValue(email), ["roles"] = new JsonArray(r.GetValue(role) ?? "member") });
            return $"created user {created["id"]} ({created["email"]})";
        }));
        return [keys, tenants, users];
    }

    private static Microsoft.AspNetCore.Http.HttpRequest Query()
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?limit=200");
        return http.Request;
    }

    private static async Task<string> FindUserAsync(AdminContext ctx, string tenantId, string email)
    {
        var normalized = email.Trim().ToLowerInvariant();
        await using var db = ctx.Database.Open();
        return await UsersAdmin.Scoped(ctx, db).Where(u => u.TenantId == tenantId && u.Email == normalized).Select(u => u.Id).FirstOrDefaultAsync(ctx.CancellationToken)
            ?? throw AdminHttp.NotFound("user", email);
    }

    private static async Task RunAsync(Func<ScaiGridCli.Loaded> load, Action<int> setExit, CancellationToken cancellationToken, Func<AdminContext, Task<string>> run)
    {
        var (settings, modules) = load();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddScaiGridLogging(settings with { LogLevel = "Warning" }));
        services.AddScaiGridCore(settings, modules);
        await using var provider = services.BuildServiceProvider();
        var database = provider.GetRequiredService<ScaiGridDatabase>();
        await database.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var migrator = provider.GetRequiredService<SchemaMigrator>();
        if (settings.AutoMigrate)
        {
            migrator.MigrateUp(modules.Streams);
        }
        else
        {
            await StartupTasks.EnsureSchemaCurrentAsync(migrator, modules, cancellationToken).ConfigureAwait(false);
        }

        var ctx = AdminContext.Create(provider, AdminScope.Platform, AdminActor.Cli, Ids.New("cli"), cancellationToken);
        try
        {
            await Console.Out.WriteLineAsync(await run(ctx).ConfigureAwait(false)).ConfigureAwait(false);
            setExit(ScaiGridCli.ExitOk);
        }
        catch (Abstractions.Errors.ScaiGridException ex)
        {
            await Console.Error.WriteLineAsync($"scaigrid: {ex.Code.Code}: {ex.Message}").ConfigureAwait(false);
            setExit(ScaiGridCli.ExitFailure);
        }
        finally
        {
            // The CLI exits right away: write its audit entries before it does.
            await provider.GetRequiredService<IAuditLog>().FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
