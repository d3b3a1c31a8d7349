using System.Net;
using System.Text;
using System.Text.Json;
using MySqlConnector;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Storage;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;
using StackExchange.Redis;

namespace ScaiGrid.FunctionalTests.Accounting;

/// <summary>Real <c>scaigrid</c> processes sharing one MariaDB and one Redis: budgets and usage across replicas and crashes.</summary>
public sealed class ReplicaAccountingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    /// <summary>A private Redis logical database per test, so usage buffers of concurrent tests never mix.</summary>
    private static async Task<string> FreshRedisAsync(int database)
    {
        var url = new Uri(TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable));
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{url.Host}:{url.Port},allowAdmin=true");
        await redis.GetServer(url.Host, url.Port).FlushDatabaseAsync(database);
        return $"redis://{url.Host}:{url.Port}/{database}";
    }

    private static async Task<Dictionary<string, string?>> EnvironmentAsync(TestDatabase db, FakeOpenAIServer fake, int redisDatabase, string budgetYaml)
    {
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);
        env["SCAIGRID_REDIS_URL"] = await FreshRedisAsync(redisDatabase);
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        env["SCAIGRID_LOG_LEVEL"] = "Warning";
        env["SCAIGRID_USAGE_STALE_BATCH_S"] = "1";
        var config = Path.Combine(env["SCAIGRID_DATA_DIR"]!, "replicas.yaml");
        await File.WriteAllTextAsync(config, $$"""
            providers:
              - { id: openai-fake, type: openai, base_url: "{{fake.BaseUrl.ToString().TrimEnd('/')}}/v1", api_key: "k" }
            backend_models:
              - { id: priced, provider: openai-fake, upstream_model: gpt-4o-mini, pricing: { input_per_mtok: 0, output_per_mtok: 1000 } }
            models:
              - { slug: test/budget, routing: { strategy: priority, backends: [ { backend: priced } ] } }
            partners:
              - slug: default
                tenants:
                  - slug: default
            {{budgetYaml}}
            """);
        await using var apply = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", config);
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        return env;
    }

    private static async Task<(ScaiGridProcess Process, HttpClient Client)> StartReplicaAsync(Dictionary<string, string?> env)
    {
        var port = Ports.FreeLoopbackPort();
        var process = ScaiGridProcess.Start(env, "serve", "--urls", $"http://127.0.0.1:{port}");
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        await Ports.WaitUntilAnsweringAsync(new Uri(baseUrl, "health/live"), Bound, () => process.HasExited);
        return (process, new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) });
    }

    private static StringContent Chat(bool stream) =>
        new(JsonSerializer.Serialize(new { model = "test/budget", stream, max_output_tokens = 10, messages = new[] { new { role = "user", content = "Hi" } } }), Encoding.UTF8, "application/json");

    private static async Task<(long Count, long Cost)> UsageTotalsAsync(TestDatabase db)
    {
        await using var connection = new MySqlConnection(db.Url.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*), COALESCE(SUM(cost_nano_usd), 0) FROM usage_records WHERE outcome = 'success'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    [Fact]
    public async Task TwoReplicas_200ConcurrentStreams_NeverOverspendAndRejectBeforeTheUpstream()
    {
        await using var db = await TestDatabase.CreateAsync("mariadb");
        await using var fake = (FakeOpenAIServer)await new FakeOpenAIServer().StartAsync();
        fake.DefaultScenario = new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromMilliseconds(40), Chunks = 3 };
        // Each request reserves 10 output tokens × 1000 USD/Mtok = 0.01 USD and spends 7 tokens = 0.007 USD.
        var env = await EnvironmentAsync(db, fake, 5, "        budgets: [ { period: total, limit_usd: 0.35 } ]");
        var (a, clientA) = await StartReplicaAsync(env);
        var (b, clientB) = await StartReplicaAsync(env);
        await using var _a = a;
        await using var _b = b;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var client = i % 2 == 0 ? clientA : clientB;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Chat(stream: true) };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var body = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK && body.Contains("event: done", StringComparison.Ordinal) ? "ok"
                : response.StatusCode == HttpStatusCode.TooManyRequests && body.Contains("BUDGET_EXCEEDED", StringComparison.Ordinal) ? "budget"
                : $"{(int)response.StatusCode}: {body}";
        }));

        var served = outcomes.Count(o => o == "ok");
        var rejected = outcomes.Count(o => o == "budget");
        Assert.True(served + rejected == 200, string.Join("\n", outcomes.Where(o => o is not "ok" and not "budget").Take(3)));
        Assert.True(served > 0 && rejected > 0, $"served {served}, rejected {rejected}");
        Assert.Equal(served, fake.CallCount);

        var deadline = DateTime.UtcNow + Bound;
        (long Count, long Cost) totals;
        while ((totals = await UsageTotalsAsync(db)).Count < served && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(served, totals.Count);
        Assert.Equal(served * 7_000_000L, totals.Cost);
        Assert.True(totals.Cost <= 350_000_000, $"committed {totals.Cost} nano-USD over a 350,000,000 limit");
    }

    [Fact]
    public async Task Kill9DuringFlush_ThenRestart_EveryRequestIdExactlyOnce()
    {
        await using var db = await TestDatabase.CreateAsync("mariadb");
        await using var fake = (FakeOpenAIServer)await new FakeOpenAIServer().StartAsync();
        var env = await EnvironmentAsync(db, fake, 6, string.Empty);
        var (first, client) = await StartReplicaAsync(env);
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < 15; i++)
            {
                using var response = await client.PostAsync("/v1/inference/chat", Chat(stream: false));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                ids.Add(response.Headers.GetValues("X-Request-ID").Single());
            }
        }));
        await first.DisposeAsync(); // SIGKILL: no graceful flush.

        // Play a flusher that died mid-batch: it took records and inserted some, but never acknowledged them.
        var redisUrl = new Uri(env["SCAIGRID_REDIS_URL"]!);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync($"{redisUrl.Host}:{redisUrl.Port},defaultDatabase={redisUrl.AbsolutePath.Trim('/')}"))
        {
            var buffer = new RedisUsageBuffer(redis, TimeProvider.System);
            if (await buffer.TakeAsync(20) is { } orphan)
            {
                await new UsageWriter(new ScaiGridDatabase(db.Url)).WriteAsync(orphan.Records.Take(orphan.Records.Count / 2).ToList(), CancellationToken.None);
            }
        }

        var (second, _) = await StartReplicaAsync(env);
        await using var _s = second;
        var deadline = DateTime.UtcNow + Bound;
        List<string> stored;
        do
        {
            await Task.Delay(250);
            stored = await RequestIdsAsync(db);
        }
        while (stored.Count < ids.Count && DateTime.UtcNow < deadline);

        Assert.Equal(120, ids.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
    }

    private static async Task<List<string>> RequestIdsAsync(TestDatabase db)
    {
        await using var connection = new MySqlConnection(db.Url.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT request_id FROM usage_records", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
