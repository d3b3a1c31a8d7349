using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.Core.Tests.Configuration;

/// <summary>The documented example, the extended fields, and the rules beyond the basic example.</summary>
public sealed partial class ConfigApplierBehaviourTests
{
    private const string CiKey = "sgk_acme_ci_key_from_the_environment_0001";
    private const string WorkerToken = "sgt_batch_worker_token_from_the_env_0001";

    private static readonly Func<string, string?> DocEnvironment = new Dictionary<string, string>
    {
        ["OPENAI_API_KEY"] = "sk-openai",
        ["ANTHROPIC_API_KEY"] = "sk-ant",
        ["AZURE_OPENAI_KEY"] = "az-key",
        ["ACME_CI_KEY"] = CiKey,
        ["BATCH_WORKER_TOKEN"] = WorkerToken,
    }.GetValueOrDefault;

    private readonly SecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly CredentialHasher _hasher = new(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyFileAsync_DocumentedExample_AppliesEveryFieldAndIsIdempotent(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var path = Path.Combine(Path.GetTempPath(), $"scaigrid-config-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, DocumentedExample());
        try
        {
            var first = await Applier(db).ApplyFileAsync(path, DocEnvironment, false, CancellationToken.None);
            var afterFirst = await DatabaseDump.TakeAsync(db);
            var second = await Applier(db).ApplyFileAsync(path, DocEnvironment, false, CancellationToken.None);

            Assert.Equal((0, 0), (second.Created, second.Updated));
            Assert.Equal(afterFirst, await DatabaseDump.TakeAsync(db));
            Assert.Equal(
                [("api_key", "dev@acme.test", "laptop"), ("service_token", "scaiinfer-node-1", "scaiinfer-node-1")],
                first.GeneratedCredentials.Select(c => (c.Kind, c.Owner, c.Name)));
        }
        finally
        {
            File.Delete(path);
        }

        await using var dc = db.Database.Open();
        var openai = await dc.GetTable<ProviderRow>().SingleAsync(p => p.Id == "openai-main");
        Assert.Equal(("https://api.openai.com/v1", """{"organization":"org-acme"}"""), (openai.BaseUrl, openai.SettingsJson));
        var azure = await dc.GetTable<ProviderRow>().SingleAsync(p => p.Id == "azure-eu");
        Assert.False(azure.IsEnabled);
        var ollama = await dc.GetTable<ProviderRow>().SingleAsync(p => p.Id == "local-ollama");
        Assert.Null(ollama.CredentialsEncrypted);

        var sonnet = await dc.GetTable<BackendModelRow>().SingleAsync(b => b.Id == "anthropic-sonnet");
        Assert.Equal("""["chat","stream","tools","vision","reasoning"]""", sonnet.CapabilitiesJson);
        Assert.Equal((200_000, 64_000, 300_000_000L), (sonnet.ContextWindow, sonnet.MaxOutputTokens, sonnet.CachedInputNanoUsdPerMtok));
        var azureBackend = await dc.GetTable<BackendModelRow>().SingleAsync(b => b.Id == "azure-gpt-4o");
        Assert.Equal(2_500_000_000L, azureBackend.CachedInputNanoUsdPerMtok);

        var acme = await dc.GetTable<TenantRow>().SingleAsync(t => t.Slug == "acme");
        var resellco = await dc.GetTable<PartnerRow>().SingleAsync(p => p.Slug == "resellco");
        Assert.Equal((resellco.Id, "ACME Corp"), (acme.PartnerId, acme.Name));
        var internalModel = await dc.GetTable<FrontendModelRow>().SingleAsync(m => m.Slug == "acme/internal-llama");
        Assert.Equal(acme.Id, internalModel.OwnerTenantId);
        var balanced = await dc.GetTable<FrontendModelRow>().SingleAsync(m => m.Slug == "chat/balanced");
        Assert.Equal("weighted", balanced.RoutingStrategy);
        Assert.Equal(
            [("anthropic-sonnet", 30), ("openai-gpt-4o", 70)],
            (await dc.GetTable<FrontendModelBackendRow>().Where(r => r.FrontendModelId == balanced.Id).ToListAsync())
                .Select(r => (r.BackendModelId, r.Weight)).OrderBy(r => r.BackendModelId, StringComparer.Ordinal));

        var partnerBudget = await dc.GetTable<BudgetRow>().SingleAsync(b => b.ScopeType == "partner" && b.ScopeId == resellco.Id);
        Assert.Equal((5_000_000_000_000L, (int?)90), (partnerBudget.LimitNanoUsd, partnerBudget.SoftThresholdPct));
        var daily = await dc.GetTable<BudgetRow>().SingleAsync(b => b.ScopeType == "tenant" && b.ScopeId == acme.Id && b.Period == "daily");
        Assert.Equal(10_500_000_000L, daily.LimitNanoUsd);

        var dev = await dc.GetTable<UserRow>().SingleAsync(u => u.Email == "dev@acme.test");
        Assert.Equal(["member"], await dc.GetTable<UserRoleRow>().Where(r => r.UserId == dev.Id).Select(r => r.Role).ToListAsync());
        var ci = await dc.GetTable<ApiKeyRow>().SingleAsync(k => k.UserId == dev.Id && k.Name == "ci");
        Assert.True(_hasher.Verify(CiKey, ci.KeyHash));
        Assert.Equal("""{"models":["openai/gpt-4o","acme/internal-llama"],"permissions":["models:use"]}""", ci.ScopesJson);
        Assert.Equal(DateTimeOffset.Parse("2027-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), ci.ExpiresAt);
        var keyLimit = await dc.GetTable<RateLimitRow>().SingleAsync(r => r.ScopeType == "api_key" && r.ScopeId == ci.Id);
        Assert.Equal(((int?)30, (long?)50_000), (keyLimit.Rpm, keyLimit.Tpm));
        var worker = await dc.GetTable<ServiceTokenRow>().SingleAsync(t => t.Name == "batch-worker");
        Assert.True(_hasher.Verify(WorkerToken, worker.TokenHash));
        Assert.NotNull(worker.ExpiresAt);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_ModelBackendsChanged_ReplacesTheModelsRowsOnly(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        const string twoBackends = """
            providers: [ { id: p, type: openai } ]
            backend_models: [ { id: a, provider: p, upstream_model: a }, { id: b, provider: p, upstream_model: b } ]
            models:
              - { slug: m, routing: { backends: [ { backend: a, priority: 1 }, { backend: b, priority: 2 } ] } }
              - { slug: other, routing: { backends: [ { backend: b } ] } }
            """;
        await Applier(db).ApplyAsync(twoBackends, _ => null, false, CancellationToken.None);

        var result = await Applier(db).ApplyAsync(
            twoBackends.Replace("{ backend: a, priority: 1 }, { backend: b, priority: 2 }", "{ backend: b, priority: 0 }", StringComparison.Ordinal),
            _ => null, false, CancellationToken.None);

        Assert.Equal(["updated model m (routing.backends)"], result.Changes);
        await using var dc = db.Database.Open();
        var routes = await (from r in dc.GetTable<FrontendModelBackendRow>()
                            join m in dc.GetTable<FrontendModelRow>() on r.FrontendModelId equals m.Id
                            orderby m.Slug
                            select new { m.Slug, r.BackendModelId, r.Priority }).ToListAsync();
        Assert.Equal([("m", "b", 0), ("other", "b", 1)], routes.Select(r => (r.Slug, r.BackendModelId, r.Priority)));
        Assert.Equal(2, await dc.GetTable<BackendModelRow>().CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_ProviderKeyChanged_ReencryptsAndReportsWithoutTheValue(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        const string yaml = "providers: [ { id: p, type: openai, api_key: \"${KEY}\" } ]";
        await Applier(db).ApplyAsync(yaml, n => n == "KEY" ? "old-secret" : null, false, CancellationToken.None);

        var result = await Applier(db).ApplyAsync(yaml, n => n == "KEY" ? "new-secret" : null, false, CancellationToken.None);

        Assert.Equal(["updated provider p (api_key)"], result.Changes);
        await using var dc = db.Database.Open();
        var row = await dc.GetTable<ProviderRow>().SingleAsync();
        Assert.Equal("new-secret", _protector.Unprotect(row.CredentialsEncrypted!, "p"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_TenantSlugUnderAnotherPartner_IsAProblem(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await Applier(db).ApplyAsync("partners: [ { slug: default, tenants: [ { slug: acme } ] } ]", _ => null, false, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(
            "partners: [ { slug: other, tenants: [ { slug: acme } ] } ]", _ => null, false, CancellationToken.None));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("partners[0].tenants[0].slug", problem.Path);
        Assert.StartsWith("tenant 'acme' already exists under partner 'default'", problem.Message, StringComparison.Ordinal);
        await using var dc = db.Database.Open();
        Assert.False(await dc.GetTable<PartnerRow>().AnyAsync(p => p.Slug == "other"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_BadValuesAndReferences_AreReportedOncePerPath(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        const string yaml = """
            models:
              - { slug: mine, tenant: beta, routing: { backends: [ { backend: nowhere } ] } }
            partners:
              - slug: default
                rate_limits: { rpm: lots }
                tenants:
                  - slug: alpha
                    users:
                      - email: a@alpha.test
                        api_keys:
                          - { name: k, scopes: { models: [mine, ghost], permissions: [models:usee, scaiqueue:manage] } }
                          - { name: K }
                  - slug: beta
            service_tokens: [ { name: t, services: [] } ]
            """;

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(yaml, _ => null, false, CancellationToken.None));

        Assert.Equal(
            [
                "partners[0].rate_limits.rpm: expected a whole number up to 2147483647, got 'lots'",
                "models[0].routing.backends[0].backend: unknown backend 'nowhere'",
                "partners[0].tenants[0].users[0].api_keys[0].scopes.models[0]: model 'mine' belongs to tenant 'beta'",
                "partners[0].tenants[0].users[0].api_keys[0].scopes.models[1]: unknown model 'ghost'",
                "partners[0].tenants[0].users[0].api_keys[0].scopes.permissions[0]: unknown permission 'models:usee' (core permissions: models:use, usage:read, keys:manage, users:manage, tenants:manage, providers:manage, admin:access, audit:read, platform:manage)",
                "partners[0].tenants[0].users[0].api_keys[1].name: duplicate key name 'k' (also at partners[0].tenants[0].users[0].api_keys[0].name)",
                "service_tokens[0].services: required: list the services the token may call",
            ],
            error.Problems.Select(p => p.ToString()));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_BadNumberFromEnvironment_QuotesTheVariableNotItsValue(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(
            "partners: [ { slug: default, rate_limits: { tpm: \"${LIMIT}\" } } ]", n => n == "LIMIT" ? "sk-live-oops" : null, false, CancellationToken.None));

        Assert.Equal("partners[0].rate_limits.tpm: expected a whole number, got '${LIMIT}'", Assert.Single(error.Problems).ToString());
        Assert.DoesNotContain("sk-live-oops", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_YamlSyntaxError_ReportsLineAndColumn(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(
            "providers:\n  - id: p\n    type: [openai\n", _ => null, false, CancellationToken.None));

        var problem = Assert.Single(error.Problems);
        Assert.Matches(@"^\d+:\d+$", problem.Path);
        Assert.StartsWith("YAML syntax error: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyFileAsync_MissingFile_IsAProblemNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.yaml");
        var applier = new ConfigApplier(new ScaiGridDatabase(DatabaseUrl.Parse("sqlite:" + missing + ".db")), _protector, _hasher);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => applier.ApplyFileAsync(missing, _ => null, false, CancellationToken.None));

        Assert.Equal(missing, Assert.Single(error.Problems).Path);
        Assert.False(File.Exists(missing + ".db"));
    }

    /// <summary>The first yaml block of docs/config-file.md: the documentation's example must stay valid.</summary>
    private static string DocumentedExample()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScaiGrid.slnx")))
        {
            dir = dir.Parent;
        }

        var doc = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "config-file.md"));
        return YamlBlock().Match(doc).Groups[1].Value;
    }

    private ConfigApplier Applier(TestDatabase db) => new(db.Database, _protector, _hasher);

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
