using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Modules;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Admin;
using ScaiGrid.Core.Audit;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Identity;

/// <summary>
/// A real server with two partners (A, B), a tenant in each, admins at every level in partner A, and one
/// object of every admin resource in partner B's tenant: the world the isolation tests probe.
/// </summary>
public sealed class IdentityWorld : IAsyncDisposable
{
    private IdentityWorld(ScaiGridServer server, LogCapture logs)
    {
        Server = server;
        Logs = logs;
    }

    public ScaiGridServer Server { get; }

    public LogCapture Logs { get; }

    /// <summary>Role name → API key of a user holding it (platform_admin in the default tenant, the others in tenant A).</summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>Resource path → the id of that resource's object that lives in partner B.</summary>
    public Dictionary<string, string> Foreign { get; } = new(StringComparer.Ordinal);

    public string TenantA { get; private set; } = string.Empty;

    public string TenantB { get; private set; } = string.Empty;

    public static async Task<IdentityWorld> CreateAsync(Dictionary<string, string?>? env = null)
    {
        env ??= ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = ProbeModule.ModuleId;
        var logs = new LogCapture();
        var server = await ScaiGridServer.StartAsync(env, new ModuleCatalog([new ProbeModule()]), b => b.Logging.AddProvider(logs));
        var world = new IdentityWorld(server, logs);
        await world.SeedAsync();
        return world;
    }

    public AdminContext Platform() => AdminContext.Create(Server.Services, AdminScope.Platform, AdminActor.Cli, "seed", CancellationToken.None);

    private async Task SeedAsync()
    {
        var ctx = Platform();
        var partnerA = (await PartnersAdmin.CreateAsync(ctx, new JsonObject { ["slug"] = "partner-a" }))["id"]!.GetValue<string>();
        var partnerB = (await PartnersAdmin.CreateAsync(ctx, new JsonObject { ["slug"] = "partner-b" }))["id"]!.GetValue<string>();
        TenantA = (await TenantsAdmin.CreateAsync(ctx, new JsonObject { ["slug"] = "tenant-a", ["partner_id"] = partnerA }))["id"]!.GetValue<string>();
        TenantB = (await TenantsAdmin.CreateAsync(ctx, new JsonObject { ["slug"] = "tenant-b", ["partner_id"] = partnerB }))["id"]!.GetValue<string>();

        Keys[Roles.PlatformAdmin] = await UserWithKeyAsync(ctx, DefaultTenancy.TenantId, "root@platform.test", Roles.PlatformAdmin);
        Keys[Roles.PartnerAdmin] = await UserWithKeyAsync(ctx, TenantA, "boss@a.test", Roles.PartnerAdmin);
        Keys[Roles.TenantAdmin] = await UserWithKeyAsync(ctx, TenantA, "admin@a.test", Roles.TenantAdmin);
        Keys[Roles.Member] = await UserWithKeyAsync(ctx, TenantA, "dev@a.test", Roles.Member);

        var userB = (await UsersAdmin.CreateAsync(ctx, new JsonObject { ["tenant_id"] = TenantB, ["email"] = "secret-user@b.test" }))["id"]!.GetValue<string>();
        var keyB = await ApiKeysAdmin.CreateAsync(ctx, new JsonObject { ["user_id"] = userB, ["name"] = "b-key" });
        await ProvidersAdmin.CreateAsync(ctx, new JsonObject { ["id"] = "b-provider", ["type"] = "openai", ["api_key"] = "sk-b-provider-secret", ["owner_tenant_id"] = TenantB });
        await BackendModelsAdmin.CreateAsync(ctx, new JsonObject { ["id"] = "b-backend", ["provider_id"] = "b-provider", ["upstream_model"] = "gpt-b" });
        var frontend = await FrontendModelsAdmin.CreateAsync(ctx, new JsonObject
        {
            ["slug"] = "b-model",
            ["owner_tenant_id"] = TenantB,
            ["backends"] = new JsonArray(new JsonObject { ["backend_model_id"] = "b-backend" }),
        });
        var budget = await BudgetsAdmin.CreateAsync(ctx, new JsonObject { ["scope_type"] = "tenant", ["scope_id"] = TenantB, ["period"] = "monthly", ["limit_nano_usd"] = 5_000_000_000 });
        var limit = await RateLimitsAdmin.CreateAsync(ctx, new JsonObject { ["scope_type"] = "user", ["scope_id"] = userB, ["rpm"] = 60 });
        var token = await ServiceTokensAdmin.CreateAsync(ctx, new JsonObject { ["name"] = "b-worker", ["services"] = new JsonArray("scaiinfer") });

        Foreign["partners"] = partnerB;
        Foreign["tenants"] = TenantB;
        Foreign["users"] = userB;
        Foreign["api_keys"] = keyB["id"]!.GetValue<string>();
        Foreign["service_tokens"] = token["id"]!.GetValue<string>();
        Foreign["providers"] = "b-provider";
        Foreign["backend_models"] = "b-backend";
        Foreign["frontend_models"] = frontend["id"]!.GetValue<string>();
        Foreign["budgets"] = budget["id"]!.GetValue<string>();
        Foreign["rate_limits"] = limit["id"]!.GetValue<string>();
        await FlushAuditAsync();
    }

    public async Task<string> UserWithKeyAsync(AdminContext ctx, string tenantId, string email, string role)
    {
        var user = await UsersAdmin.CreateAsync(ctx, new JsonObject { ["tenant_id"] = tenantId, ["email"] = email, ["roles"] = new JsonArray(role) });
        var key = await ApiKeysAdmin.CreateAsync(ctx, new JsonObject { ["user_id"] = user["id"]!.GetValue<string>(), ["name"] = "main" });
        return key["key"]!.GetValue<string>();
    }

    public Task FlushAuditAsync() => Server.Services.GetRequiredService<IAuditLog>().FlushAsync(CancellationToken.None);

    public HttpClient Client(string role) => Server.CreateClient(Keys[role]);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();

    public static async Task<(int Status, JsonNode? Body, string Raw)> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" && raw.Length > 0 ? JsonNode.Parse(raw) : null;
        return ((int)response.StatusCode, json, raw);
    }

    public static string? ErrorCode(JsonNode? body) => body?["error"]?["code"]?.GetValue<string>();
}

/// <summary>A module with one endpoint only service tokens for <c>scaiinfer</c> may call.</summary>
public sealed class ProbeModule : IScaiGridModule
{
    public const string ModuleId = "probe";

    public string Id => ModuleId;

    public string Version => "1.0.0";

    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/service-ping", () => "pong").RequireService("scaiinfer");
}

/// <summary>Every log line the server writes, rendered with its arguments, so tests can search them for secrets.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            owner.Lines.Enqueue(category + " scope " + state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner.Lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {values} {exception}");
        }
    }
}
