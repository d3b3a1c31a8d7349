using System.Security.Cryptography;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.Core.Tests.Configuration;

public sealed class ConfigApplierTests
{
    internal const string OpenAiKey = "sk-test-openai-0123456789";
    internal const string FixedApiKey = "sgk_fixed_key_for_tests_0123456789abcdef";

    /// <summary>The example of the task and of docs/config-file.md.</summary>
    internal const string Example = """
        providers:
          - { id: openai-main, type: openai, base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}" }
        backend_models:
          - id: openai-gpt-4o
            provider: openai-main
            upstream_model: gpt-4o
            pricing: { input_per_mtok: 2.5, output_per_mtok: 10, cached_input_per_mtok: 1.25 }
        models:
          - slug: openai/gpt-4o
            routing:
              strategy: priority
              backends: [ { backend: openai-gpt-4o, priority: 1, weight: 100 } ]
            system_prompt: { mode: prefix, text: "Answer briefly." }
        partners:
          - slug: default
            tenants:
              - slug: acme
                budgets: [ { period: monthly, limit_usd: 100 } ]
                rate_limits: { rpm: 600, tpm: 200000 }
                users:
                  - email: dev@acme.test
                    roles: [tenant_admin]
                    api_keys: [ { name: ci, key: "sgk_fixed_key_for_tests_0123456789abcdef" } ]
        """;

    private readonly SecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly CredentialHasher _hasher = new(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_ExampleAppliedTwice_SecondApplyChangesNoRow(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var applier = Applier(db);

        var first = await applier.ApplyAsync(Example, Env(), dryRun: false, CancellationToken.None);
        var afterFirst = await DatabaseDump.TakeAsync(db);
        var second = await applier.ApplyAsync(Example, Env(), dryRun: false, CancellationToken.None);
        var afterSecond = await DatabaseDump.TakeAsync(db);

        // provider, backend, model, tenant, user, api key, budget, rate limit; the seeded partner is unchanged.
        Assert.Equal(8, first.Created);
        Assert.Equal(0, first.Updated);
        Assert.Contains("created tenant acme", first.Changes);
        Assert.Contains("created backend_model openai-gpt-4o", first.Changes);
        Assert.Empty(first.GeneratedCredentials);
        Assert.Equal((0, 0, first.Created + first.Unchanged), (second.Created, second.Updated, second.Unchanged));
        Assert.Empty(second.Changes);
        Assert.Equal(afterFirst, afterSecond);

        await using var dc = db.Database.Open();
        var tenant = await dc.GetTable<TenantRow>().SingleAsync(t => t.Slug == "acme");
        Assert.Equal(DefaultTenancy.PartnerId, tenant.PartnerId);
        var backend = await dc.GetTable<BackendModelRow>().SingleAsync(b => b.Id == "openai-gpt-4o");
        Assert.Equal((2_500_000_000L, 10_000_000_000L, 1_250_000_000L), (backend.InputNanoUsdPerMtok, backend.OutputNanoUsdPerMtok, backend.CachedInputNanoUsdPerMtok));
        Assert.Equal("""["chat","stream"]""", backend.CapabilitiesJson);
        var model = await dc.GetTable<FrontendModelRow>().SingleAsync(m => m.Slug == "openai/gpt-4o");
        Assert.Equal(("priority", "prefix", "Answer briefly.", null), (model.RoutingStrategy, model.SystemPromptMode, model.SystemPromptText, model.OwnerTenantId));
        var route = await dc.GetTable<FrontendModelBackendRow>().SingleAsync(r => r.FrontendModelId == model.Id);
        Assert.Equal(("openai-gpt-4o", 1, 100), (route.BackendModelId, route.Priority, route.Weight));
        var budget = await dc.GetTable<BudgetRow>().SingleAsync(b => b.ScopeType == "tenant" && b.ScopeId == tenant.Id);
        Assert.Equal(("monthly", 100_000_000_000L, (int?)80), (budget.Period, budget.LimitNanoUsd, budget.SoftThresholdPct));
        var limit = await dc.GetTable<RateLimitRow>().SingleAsync(r => r.ScopeType == "tenant" && r.ScopeId == tenant.Id);
        Assert.Equal(((int?)600, (long?)200_000), (limit.Rpm, limit.Tpm));
        var user = await dc.GetTable<UserRow>().SingleAsync(u => u.TenantId == tenant.Id);
        Assert.Equal("dev@acme.test", user.Email);
        Assert.Equal(["tenant_admin"], await dc.GetTable<UserRoleRow>().Where(r => r.UserId == user.Id).Select(r => r.Role).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_FileWithSeveralErrors_ThrowsWithEveryProblemAndWritesNothing(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        const string broken = """
            providers:
              - { id: p1, type: openai, base_url: "https://user:pw@api.example.com/v1" }
              - { id: p1, type: gpt }
              - { id: local, type: ollama }
            backend_models:
              - { id: b1, provider: nowhere, upstream_model: m, pricing: { input_per_mtok: -1, output_per_mtok: 0.0000000001 } }
            models:
              - slug: Bad Slug
                routing: { strategy: weighted, backends: [ { backend: b1, weight: 0 }, { backend: x, weight: 0 } ] }
                system_prompt: { mode: shout, text: "" }
            partners:
              - slug: default
                tenants:
                  - slug: acme
                    budgets: [ { period: weekly, limit_usd: 5 } ]
                    rate_limits: { rpm: 0 }
                    users:
                      - email: not-an-email
                        roles: [owner]
                        api_keys: [ { name: ci, key: "sgk_short", expires_at: "next tuesday" } ]
            service_tokens:
              - { name: node, services: [scaiinfer], token: "sgk_wrong_prefix_0123456789abcdefghijkl" }
            """;
        var before = await DatabaseDump.TakeAsync(db);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(broken, Env(), false, CancellationToken.None));

        var expected = new (string Path, string Message)[]
        {
            ("providers[0].base_url", "must not contain a user name or password"),
            ("providers[1].id", "duplicate id 'p1'"),
            ("providers[1].type", "unknown provider type 'gpt' (allowed: openai, azure_openai, anthropic"),
            ("providers[2].base_url", "required for type ollama"),
            ("backend_models[0].provider", "unknown provider 'nowhere'"),
            ("backend_models[0].pricing.input_per_mtok", "must be 0 or more"),
            ("backend_models[0].pricing.output_per_mtok", "at most 9 decimal places"),
            ("models[0].slug", "'Bad Slug' is not valid"),
            ("models[0].routing.backends[1].backend", "unknown backend 'x'"),
            ("models[0].routing.backends", "weighted routing needs at least one backend with a weight above 0"),
            ("models[0].system_prompt.mode", "unknown mode 'shout'"),
            ("models[0].system_prompt.text", "required"),
            ("partners[0].tenants[0].budgets[0].period", "unknown period 'weekly'"),
            ("partners[0].tenants[0].rate_limits.rpm", "must be above 0"),
            ("partners[0].tenants[0].users[0].email", "is not an email address"),
            ("partners[0].tenants[0].users[0].roles[0]", "unknown role 'owner'"),
            ("partners[0].tenants[0].users[0].api_keys[0].key", "must start with sgk_"),
            ("partners[0].tenants[0].users[0].api_keys[0].expires_at", "is not an ISO-8601 date"),
            ("service_tokens[0].token", "must start with sgt_"),
        };
        foreach (var (path, message) in expected)
        {
            Assert.True(
                error.Problems.Any(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal)),
                $"missing {path}: {message}\nreported:\n{error.Message}");
            Assert.Contains($"{path}: ", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(expected.Length, error.Problems.Count);
        Assert.Equal(error.Problems.Count, error.Message.Split('\n').Length);
        Assert.DoesNotContain("sgk_short", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sgk_wrong_prefix", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseDump.TakeAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_EnvironmentVariables_AreSubstitutedAndEscaped(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        const string yaml = """
            providers:
              - { id: azure, type: azure_openai, base_url: "https://${AZ_HOST}/openai", api_key: "${AZ_KEY}", settings: { api_version: "${AZ_VERSION}" } }
            backend_models:
              - { id: az-4o, provider: azure, upstream_model: gpt-4o-deploy }
            models:
              - slug: azure/gpt-4o
                description: "Costs $${DOLLARS}, really"
                routing: { backends: [ { backend: az-4o } ] }
            """;
        var env = Env(("AZ_HOST", "acme.openai.azure.com"), ("AZ_KEY", "az-secret-1"), ("AZ_VERSION", "2024-10-21"));

        await Applier(db).ApplyAsync(yaml, env, false, CancellationToken.None);

        await using var dc = db.Database.Open();
        var provider = await dc.GetTable<ProviderRow>().SingleAsync(p => p.Id == "azure");
        Assert.Equal("https://acme.openai.azure.com/openai", provider.BaseUrl);
        Assert.Equal("az-secret-1", _protector.Unprotect(provider.CredentialsEncrypted!, "azure"));
        Assert.Equal("""{"api_version":"2024-10-21"}""", provider.SettingsJson);
        var model = await dc.GetTable<FrontendModelRow>().SingleAsync(m => m.Slug == "azure/gpt-4o");
        Assert.Equal("Costs ${DOLLARS}, really", model.Description);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_UnsetEnvironmentVariable_ReportsItAtItsPath(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(Example, static _ => null, false, CancellationToken.None));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("providers[0].api_key: environment variable OPENAI_API_KEY is not set", problem.ToString());
        await using var dc = db.Database.Open();
        Assert.Equal(0, await dc.GetTable<ProviderRow>().CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_Credentials_StoredOnlyEncryptedOrHashed(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);

        var result = await Applier(db).ApplyAsync(Example, Env(), false, CancellationToken.None);

        await using var dc = db.Database.Open();
        var provider = await dc.GetTable<ProviderRow>().SingleAsync(p => p.Id == "openai-main");
        Assert.NotNull(provider.CredentialsEncrypted);
        Assert.NotEqual(OpenAiKey, provider.CredentialsEncrypted);
        Assert.Equal(OpenAiKey, _protector.Unprotect(provider.CredentialsEncrypted!, "openai-main"));
        var key = await dc.GetTable<ApiKeyRow>().SingleAsync(k => k.Name == "ci");
        Assert.True(_hasher.Verify(FixedApiKey, key.KeyHash));
        Assert.Equal(CredentialHasher.LookupPrefix(FixedApiKey), key.LookupPrefix);

        var everything = DatabaseDump.AllText(await DatabaseDump.TakeAsync(db));
        Assert.DoesNotContain(FixedApiKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(OpenAiKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Changes, c => c.Contains(FixedApiKey, StringComparison.Ordinal) || c.Contains(OpenAiKey, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_KeyOmitted_GeneratedOnceAndVerifies(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var yaml = Example.Replace("""key: "sgk_fixed_key_for_tests_0123456789abcdef" """, string.Empty, StringComparison.Ordinal)
                   + "\nservice_tokens: [ { name: infer-node-1, services: [scaiinfer] } ]\n";
        var applier = Applier(db);

        var first = await applier.ApplyAsync(yaml, Env(), false, CancellationToken.None);
        var second = await applier.ApplyAsync(yaml, Env(), false, CancellationToken.None);

        Assert.Equal(2, first.GeneratedCredentials.Count);
        var apiKey = Assert.Single(first.GeneratedCredentials, c => c.Kind == "api_key");
        Assert.Equal(("dev@acme.test", "ci"), (apiKey.Owner, apiKey.Name));
        Assert.StartsWith(CredentialHasher.ApiKeyPrefix, apiKey.Value, StringComparison.Ordinal);
        var token = Assert.Single(first.GeneratedCredentials, c => c.Kind == "service_token");
        Assert.Equal(("infer-node-1", "infer-node-1"), (token.Owner, token.Name));
        Assert.StartsWith(CredentialHasher.ServiceTokenPrefix, token.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(first.Changes, c => c.Contains(apiKey.Value, StringComparison.Ordinal));
        Assert.Contains("created api_key acme/dev@acme.test/ci (generated)", first.Changes);

        Assert.Empty(second.GeneratedCredentials);
        Assert.Equal((0, 0), (second.Created, second.Updated));
        await using var dc = db.Database.Open();
        var keyRow = await dc.GetTable<ApiKeyRow>().SingleAsync(k => k.Name == "ci");
        Assert.True(_hasher.Verify(apiKey.Value, keyRow.KeyHash));
        Assert.False(_hasher.Verify(FixedApiKey, keyRow.KeyHash));
        var tokenRow = await dc.GetTable<ServiceTokenRow>().SingleAsync(t => t.Name == "infer-node-1");
        Assert.True(_hasher.Verify(token.Value, tokenRow.TokenHash));
        Assert.Equal("""["scaiinfer"]""", tokenRow.ServicesJson);
        Assert.DoesNotContain(apiKey.Value, DatabaseDump.AllText(await DatabaseDump.TakeAsync(db)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_ChangedPrice_UpdatesExactlyThatRow(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var yaml = Example.Replace("backend_models:\n", "backend_models:\n  - { id: openai-mini, provider: openai-main, upstream_model: gpt-4o-mini, pricing: { input_per_mtok: 0.15 } }\n", StringComparison.Ordinal);
        var applier = Applier(db);
        await applier.ApplyAsync(yaml, Env(), false, CancellationToken.None);
        var before = await DatabaseDump.TakeAsync(db);

        var result = await applier.ApplyAsync(yaml.Replace("output_per_mtok: 10,", "output_per_mtok: 12.000000001,", StringComparison.Ordinal), Env(), false, CancellationToken.None);
        var after = await DatabaseDump.TakeAsync(db);

        Assert.Equal((0, 1), (result.Created, result.Updated));
        Assert.Equal(["updated backend_model openai-gpt-4o (pricing)"], result.Changes);
        var changedTables = after.Keys.Where(t => !before[t].SequenceEqual(after[t])).ToList();
        // Besides that row, only the change markers moved: how running servers learn that something changed.
        Assert.Equal(["backend_models", "change_markers"], changedTables);
        Assert.Equal(3, DatabaseDump.Added(before, after).Count(r => r.StartsWith("change_markers: ", StringComparison.Ordinal)));
        var changedRow = Assert.Single(DatabaseDump.Added(before, after), r => r.StartsWith("backend_models: ", StringComparison.Ordinal));
        Assert.Contains("id=openai-gpt-4o |", changedRow, StringComparison.Ordinal);
        Assert.Contains("output_nano_usd_per_mtok=12000000001 |", changedRow, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_DryRun_ReportsChangesAndWritesNothing(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var before = await DatabaseDump.TakeAsync(db);
        var yaml = Example + "\nservice_tokens: [ { name: infer-node-1, services: [scaiinfer] } ]\n";

        var result = await Applier(db).ApplyAsync(yaml, Env(), dryRun: true, CancellationToken.None);

        Assert.Equal(9, result.Created);
        Assert.Contains("created model openai/gpt-4o", result.Changes);
        Assert.Contains("created service_token infer-node-1 (generated)", result.Changes);
        Assert.Empty(result.GeneratedCredentials);
        Assert.Equal(before, await DatabaseDump.TakeAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_DatabaseFailsMidway_RollsBackEveryEarlierWrite(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using (var dc = db.Database.Open())
        {
            // Service tokens are applied last: everything else has been written when this insert fails.
            await dc.ExecuteAsync(engine == "sqlite"
                ? "CREATE TRIGGER refuse_tokens BEFORE INSERT ON service_tokens BEGIN SELECT RAISE(ABORT, 'refused by test'); END;"
                : "CREATE TRIGGER refuse_tokens BEFORE INSERT ON service_tokens FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by test'");
        }

        var before = await DatabaseDump.TakeAsync(db);
        var yaml = Example + "\nservice_tokens: [ { name: infer-node-1, services: [scaiinfer] } ]\n";

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Applier(db).ApplyAsync(yaml, Env(), false, CancellationToken.None));

        Assert.IsNotType<ConfigFileException>(error);
        Assert.Contains("refused by test", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseDump.TakeAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ApplyAsync_UnknownField_ReportedAtItsPath(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var yaml = Example.Replace("    routing:", "    routng:", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<ConfigFileException>(() => Applier(db).ApplyAsync(yaml, Env(), false, CancellationToken.None));

        // The misspelt block is also the missing one: both are reported, nothing else.
        Assert.Equal(
            ["models[0].routng: unknown field", "models[0].routing: required: a model needs at least one backend"],
            error.Problems.Select(p => p.ToString()));
    }

    internal ConfigApplier Applier(TestDatabase db) => new(db.Database, _protector, _hasher);

    internal static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        // No arguments: the one variable the example needs.
        var map = variables.Length == 0
            ? new Dictionary<string, string> { ["OPENAI_API_KEY"] = OpenAiKey }
            : variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }
}
