using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;
using StackExchange.Redis;
using static ScaiGrid.FunctionalTests.RateLimiting.RateLimitFixtures;

namespace ScaiGrid.FunctionalTests.RateLimiting;

/// <summary>Two replicas on one MariaDB and one Redis enforce one limit, not one each.</summary>
public sealed class SharedRateLimitTests
{
    [Fact]
    public async Task Chat_TwoServersSharingRedis_ShareOneTenantLimit()
    {
        await using var db = await TestDatabase.CreateAsync("mariadb");
        await using var upstream = (FakeOpenAIServer)await new FakeOpenAIServer().StartAsync();
        var redisUrl = TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable);
        await ClearCountersAsync(redisUrl);
        await InsertAsync(db.Database, RateLimitScopes.Tenant, DefaultTenancy.TenantId, 5, null);

        var configured = Environment(db, redisUrl);
        var config = Path.Combine(configured["SCAIGRID_DATA_DIR"]!, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            providers:
              - { id: openai-fake, type: openai, base_url: "{{upstream.BaseUrl.ToString().TrimEnd('/')}}/v1", api_key: "k" }
            backend_models:
              - { id: openai-gpt, provider: openai-fake, upstream_model: gpt-4o-mini, capabilities: [chat] }
            models:
              - { slug: test/openai, routing: { strategy: priority, backends: [ { backend: openai-gpt } ] } }
            """);
        configured["SCAIGRID_CONFIG_FILE"] = config;
        await using var first = await ScaiGridServer.StartAsync(configured);
        await using var second = await ScaiGridServer.StartAsync(Environment(db, redisUrl));
        Assert.Equal("redis", first.Services.GetRequiredService<IRateLimitCounterStore>().Kind);
        await EnsureWindowHeadroomAsync(TimeSpan.FromSeconds(15));

        var statuses = new List<HttpStatusCode>();
        var remaining = new List<long>();
        foreach (var server in new[] { first, second, first, second, first, second, first })
        {
            using var response = await server.Client.PostAsync("/v1/inference/chat", Chat());
            statuses.Add(response.StatusCode);
            remaining.Add(Header(response, RateLimitingMiddleware.RemainingHeader));
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Concat([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests]), statuses);
        Assert.Equal([4L, 3, 2, 1, 0, 0, 0], remaining);
        Assert.Equal(5, upstream.CallCount);
    }

    private static Dictionary<string, string?> Environment(TestDatabase db, string redisUrl)
    {
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);
        env["SCAIGRID_REDIS_URL"] = redisUrl;
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        return env;
    }

    /// <summary>The default tenant's counters may remain from an earlier run in the same minute.</summary>
    private static async Task ClearCountersAsync(string redisUrl)
    {
        var url = new Uri(redisUrl);
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{url.Host}:{url.Port},allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: $"sg:rl:{{{DefaultTenancy.PartnerId}}}:*"))
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
        }
    }
}
