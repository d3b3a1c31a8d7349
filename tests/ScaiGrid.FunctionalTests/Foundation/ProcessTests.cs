using System.Net;
using System.Text.Json;
using MySqlConnector;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Foundation;

/// <summary>The real <c>scaigrid</c> executable: modes, exit codes, migrations, serving.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string ModuleDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scaigrid-tests", "modules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "ScaiGrid.Modules.Sample.dll"), Path.Combine(dir, "ScaiGrid.Modules.Sample.dll"));
        return dir;
    }

    [Fact]
    public async Task UnknownMode_PrintsOneLineAndExits2()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODE"] = "bogus";

        await using var process = await ScaiGridProcess.RunAsync(env, Bound);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("scaigrid: SCAIGRID_MODE: unknown mode 'bogus' (expected http, grpc, worker or migrate)", process.Stderr.Trim());
    }

    [Fact]
    public async Task InvalidDatabaseUrl_NamesTheVariableAndExits2()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_DATABASE_URL"] = "oracle://x/y";

        await using var process = await ScaiGridProcess.RunAsync(env, Bound, "serve");

        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(process.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("scaigrid: SCAIGRID_DATABASE_URL:", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        await using var process = await ScaiGridProcess.RunAsync(ScaiGridServer.EmbeddedEnvironment(), Bound, "--help");

        Assert.Equal(0, process.ExitCode);
        foreach (var verb in new[] { "serve", "migrate", "worker", "apply", "grpc" })
        {
            Assert.Contains(verb, process.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownVerb_IsAUsageError()
    {
        await using var process = await ScaiGridProcess.RunAsync(ScaiGridServer.EmbeddedEnvironment(), Bound, "frobnicate");

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("frobnicate", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModuleCycle_RefusesToStartWithOneLine()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULE_PATH"] = ModuleDirectory();
        env["SCAIGRID_MODULES"] = "cycle_a,cycle_b";

        await using var process = await ScaiGridProcess.RunAsync(env, Bound, "serve");

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("cycle: cycle_a, cycle_b", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateMode_OnMariaDb_CreatesVersionTables_IsIdempotent_AndIsolatesAFailingModule()
    {
        await using var db = await TestDatabase.CreateAsync("mariadb", migrate: false);
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);
        env["SCAIGRID_MODE"] = "migrate";
        env["SCAIGRID_MODULE_PATH"] = ModuleDirectory();
        env["SCAIGRID_MODULES"] = "sample,failing,dependent";

        await using var first = await ScaiGridProcess.RunAsync(env, Bound);

        Assert.Equal(1, first.ExitCode);
        Assert.Contains("core: applied", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("sample: applied 1, 2", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("failing: FAILED", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("dependent: applied 1", first.Stdout, StringComparison.Ordinal);
        var tables = await TablesAsync(db);
        Assert.Contains("scaigrid_version_core", tables);
        Assert.Contains("scaigrid_version_mod_sample", tables);
        Assert.Contains("scaigrid_version_mod_dependent", tables);
        Assert.Contains("sample_notes", tables);
        Assert.Contains("dependent_items", tables);
        var before = await VersionsAsync(db);

        env["SCAIGRID_MODULES"] = "sample,dependent";
        await using var second = await ScaiGridProcess.RunAsync(env, Bound);

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("core: up to date", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("sample: up to date", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("dependent: up to date", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, await VersionsAsync(db));
    }

    [Fact]
    public async Task Serve_OnUnmigratedMariaDb_RefusesWithAClearMessage()
    {
        await using var db = await TestDatabase.CreateAsync("mariadb", migrate: false);
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);

        await using var process = await ScaiGridProcess.RunAsync(env, Bound, "serve", "--urls", $"http://127.0.0.1:{Ports.FreeLoopbackPort()}");

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("schema is out of date", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("scaigrid migrate", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_EmbeddedDefault_AnswersHealthAndLogsRequestIdsAsJson()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_LOG_FORMAT"] = "json";
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        env["SCAIGRID_MODULE_PATH"] = ModuleDirectory();
        env["SCAIGRID_MODULES"] = "sample";
        var port = Ports.FreeLoopbackPort();
        await using var process = ScaiGridProcess.Start(env, "serve", "--urls", $"http://127.0.0.1:{port}");
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        await Ports.WaitUntilAnsweringAsync(new Uri(baseUrl, "health/live"), Bound, () => process.HasExited);
        using var client = new HttpClient { BaseAddress = baseUrl };

        var health = await client.GetAsync("/health");
        using var boom = new HttpRequestMessage(HttpMethod.Get, "/v1/modules/sample/boom");
        boom.Headers.Add("X-Request-ID", "trace-me-123");
        var failed = await client.SendAsync(boom);
        await Task.Delay(500);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.True(File.Exists(Path.Combine(env["SCAIGRID_DATA_DIR"]!, "scaigrid.db")));
        var logLines = process.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToList();
        Assert.NotEmpty(logLines);
        Assert.All(logLines, l => JsonDocument.Parse(l));
        var errorLine = logLines.Single(l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        Assert.Contains("\"RequestId\":\"trace-me-123\"", errorLine, StringComparison.Ordinal);
        process.Terminate();
        await process.WaitForExitAsync(Bound);
        Assert.Equal(0, process.ExitCode);
    }

    private static async Task<HashSet<string>> TablesAsync(TestDatabase db)
    {
        await using var connection = new MySqlConnection(db.Url.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SHOW TABLES", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static async Task<List<string>> VersionsAsync(TestDatabase db)
    {
        await using var connection = new MySqlConnection(db.Url.ConnectionString);
        await connection.OpenAsync();
        var versions = new List<string>();
        foreach (var table in new[] { "scaigrid_version_core", "scaigrid_version_mod_sample", "scaigrid_version_mod_dependent" })
        {
            await using var command = new MySqlCommand($"SELECT version, applied_on FROM {table} ORDER BY version", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                versions.Add($"{table}:{reader.GetInt64(0)}:{reader.GetValue(1)}");
            }
        }

        return versions;
    }
}
