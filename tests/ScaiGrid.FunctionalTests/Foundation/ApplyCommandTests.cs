using ScaiGrid.Testing;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Foundation;

/// <summary><c>scaigrid apply -f</c> through the real executable, on SQLite and MariaDB.</summary>
public sealed class ApplyCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Environment(TestDatabase db)
    {
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);
        env["OPENAI_API_KEY"] = "sk-test-openai-key-value";
        return env;
    }

    private static async Task<string> DumpAsync(TestDatabase db)
    {
        await using var dataConnection = db.Database.Open();
        var connection = await dataConnection.OpenDbConnectionAsync(CancellationToken.None);
        var tables = new[] { "partners", "tenants", "users", "user_roles", "api_keys", "providers", "backend_models", "frontend_models", "frontend_model_backends", "budgets", "rate_limits" };
        var lines = new List<string>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            using var reader = command.ExecuteReader();
            var rows = new List<string>();
            while (reader.Read())
            {
                rows.Add(table + ":" + string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i)?.ToString())));
            }

            rows.Sort(StringComparer.Ordinal);
            lines.AddRange(rows);
        }

        return string.Join("\n", lines);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Apply_TheDocumentedExampleTwice_LeavesTheSameRows(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var env = Environment(db);
        var example = RepoPaths.Combine("docs", "examples", "scaigrid.yaml");

        await using var first = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", example);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var afterFirst = await DumpAsync(db);
        await using var second = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", example);

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("0 created, 0 updated", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(afterFirst, await DumpAsync(db));
        Assert.Contains("tenants:", afterFirst, StringComparison.Ordinal);
        Assert.Contains("|acme|", afterFirst, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-test-openai-key-value", afterFirst, StringComparison.Ordinal);
        Assert.DoesNotContain("sgk_fixed_key_for_tests_0123456789abcdef", afterFirst, StringComparison.Ordinal);
        Assert.DoesNotContain("sgk_fixed_key_for_tests_0123456789abcdef", first.Stdout + first.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Apply_BrokenFile_ChangesNothingAndListsEveryError(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var env = Environment(db);
        var broken = Path.Combine(env["SCAIGRID_DATA_DIR"]!, "broken.yaml");
        await File.WriteAllTextAsync(broken, """
            providers:
              - { id: openai-main, type: openia, base_url: "https://api.openai.com/v1", api_key: "${MISSING_KEY}" }
            backend_models:
              - { id: gpt, provider: nobody, upstream_model: gpt-4o }
            models:
              - slug: team/chat
                routing:
                  strategy: weighted
                  backends: [ { backend: gpt, weight: 50 }, { backend: x, weight: 50 } ]
            partners:
              - slug: default
                tenants:
                  - slug: acme
                    users:
                      - { email: dev@acme.test, roles: [emperor] }
            """);
        var before = await DumpAsync(db);

        await using var process = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", broken);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("nothing was applied", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("providers[0].type:", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("providers[0].api_key: environment variable MISSING_KEY is not set", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("backend_models[0].provider: unknown provider 'nobody'", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("models[0].routing.backends[1].backend: unknown backend 'x'", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("partners[0].tenants[0].users[0].roles[0]:", process.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync(db));
    }

    [Fact]
    public async Task Apply_WithoutKey_GeneratesOnePrintedOnceAndStoresOnlyItsHash()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var env = Environment(db);
        var file = Path.Combine(env["SCAIGRID_DATA_DIR"]!, "keys.yaml");
        await File.WriteAllTextAsync(file, """
            partners:
              - slug: default
                tenants:
                  - slug: beta
                    users:
                      - { email: ops@beta.test, roles: [member], api_keys: [ { name: app } ] }
            """);

        await using var first = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", file);
        await using var second = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", file);

        Assert.Equal(0, first.ExitCode);
        var key = System.Text.RegularExpressions.Regex.Match(first.Stdout, "sgk_[0-9A-Za-z]{43}").Value;
        Assert.NotEmpty(key);
        Assert.DoesNotContain("sgk_", second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(key, await DumpAsync(db), StringComparison.Ordinal);
    }
}
