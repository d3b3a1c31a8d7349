using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Accounting;

/// <summary>
/// A real server on a real database with usage rows written directly, and fixed bearer tokens standing in
/// for the API-key authenticator (built elsewhere): <c>platform</c>, <c>partner</c>, <c>tenant</c>, <c>member</c>.
/// </summary>
internal sealed class UsageApiFixture : IAsyncDisposable
{
    public const string OtherTenant = "ten_b";
    public const string ForeignPartner = "ptn_x";
    public const string ForeignTenant = "ten_x";
    public const string NowTenant = "ten_now";
    public const string WeirdModel = "weird,\"model\"";

    private UsageApiFixture(TestDatabase database, ScaiGridServer server)
    {
        Database = database;
        Server = server;
    }

    public TestDatabase Database { get; }

    public ScaiGridServer Server { get; }

    public static async Task<UsageApiFixture> StartAsync(string engine)
    {
        var database = await TestDatabase.CreateAsync(engine);
        await SeedAsync(database);
        var server = await ScaiGridServer.StartAsync(
            ScaiGridServer.EmbeddedEnvironment(database.UrlString),
            configure: builder => builder.Services.AddSingleton<ICallerAuthenticator>(new FixedCallers()));
        return new UsageApiFixture(database, server);
    }

    public HttpClient Client(string token) => Server.CreateClient(token);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }

    private static long At(string isoUtc) => DateTimeOffset.Parse(isoUtc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static async Task SeedAsync(TestDatabase database)
    {
        await using var db = database.Database.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.InsertAsync(new PartnerRow { Id = ForeignPartner, Slug = "x", Name = "X", CreatedAt = now, UpdatedAt = now });
        foreach (var (id, partner) in new[] { (OtherTenant, DefaultTenancy.PartnerId), (ForeignTenant, ForeignPartner), (NowTenant, DefaultTenancy.PartnerId) })
        {
            await db.InsertAsync(new TenantRow { Id = id, PartnerId = partner, Slug = id, Name = id, CreatedAt = now, UpdatedAt = now });
        }

        UsageRecordRow Row(string id, string partner, string tenant, string user, string? key, string model, long createdAt, long input, long output, long cost, string outcome = "success", long cached = 0, long reasoning = 0) => new()
        {
            RequestId = id, PartnerId = partner, TenantId = tenant, UserId = user, ApiKeyId = key, FrontendModel = model,
            BackendModel = "backend-1", ProviderId = "prov-1", InputTokens = input, OutputTokens = output, CachedInputTokens = cached,
            ReasoningTokens = reasoning, LatencyMs = 120, TimeToFirstTokenMs = 40, CostNanoUsd = cost, Outcome = outcome,
            ErrorCode = outcome == "error" ? "UPSTREAM_ERROR" : null, IsStream = false, CreatedAt = createdAt,
        };

        var t = DefaultTenancy.TenantId;
        var p = DefaultTenancy.PartnerId;
        foreach (var row in new[]
                 {
                     Row("req_1", p, t, "usr_a", "key_a", "openai/gpt-4o", At("2025-03-10T10:00:00Z"), 100, 50, 1_234_500, cached: 10, reasoning: 5),
                     Row("req_2", p, t, "usr_a", "key_a", "openai/gpt-4o", At("2025-03-11T00:00:00Z"), 200, 100, 2_000_000_000, outcome: "error"),
                     Row("req_3", p, t, "usr_b", null, "anthropic/claude", At("2025-03-11T23:59:59.999Z"), 10, 20, 1),
                     Row("req_4", p, OtherTenant, "usr_c", "key_c", "openai/gpt-4o", At("2025-03-11T12:00:00Z"), 1000, 1000, 5),
                     Row("req_5", ForeignPartner, ForeignTenant, "usr_x", null, WeirdModel, At("2025-03-11T13:00:00Z"), 1, 1, 7),
                     Row("req_6", p, t, "usr_a", "key_a", "openai/gpt-4o", At("2025-03-12T00:00:00Z"), 9, 9, 9),
                     Row("req_7", p, NowTenant, "usr_n", null, "openai/gpt-4o", now, 3, 3, 3),
                     Row("req_8", p, NowTenant, "usr_n", null, "openai/gpt-4o", now - (40L * 86_400_000), 4, 4, 4),
                 })
        {
            await db.InsertAsync(row);
        }
    }

    private sealed class FixedCallers : ICallerAuthenticator
    {
        private static readonly Dictionary<string, CallerContext> Callers = new(StringComparer.Ordinal)
        {
            ["platform"] = Caller("usr_admin", Roles.PlatformAdmin),
            ["partner"] = Caller("usr_partner", Roles.PartnerAdmin),
            ["tenant"] = Caller("usr_tadmin", Roles.TenantAdmin),
            ["member"] = Caller("usr_a", Roles.Member),
        };

        public ValueTask<CallerContext?> AuthenticateAsync(string token, HttpContext context) =>
            ValueTask.FromResult(Callers.GetValueOrDefault(token));

        private static CallerContext Caller(string user, string role) => new()
        {
            PartnerId = DefaultTenancy.PartnerId,
            TenantId = DefaultTenancy.TenantId,
            UserId = user,
            Kind = CallerKind.ApiKey,
            Roles = new HashSet<string>(StringComparer.Ordinal) { role },
            Permissions = RolePermissions.For([role]),
        };
    }
}
