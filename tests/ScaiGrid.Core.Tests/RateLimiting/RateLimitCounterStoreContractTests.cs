using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Testing.Databases;
using StackExchange.Redis;

namespace ScaiGrid.Core.Tests.RateLimiting;

/// <summary>The same contract for the in-process counters and the Redis script (a real Redis server).</summary>
public abstract class RateLimitCounterStoreContractTests : IAsyncLifetime
{
    private const string Partner = "ptn_contract";

    // A window far from "now" and unique per test, so runs against a shared Redis never meet old counters.
    private readonly long _window = 1_000_000_000 + Random.Shared.NextInt64(1, 1_000_000_000);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..12];

    protected IRateLimitCounterStore Store { get; set; } = null!;

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private RateLimitScope Scope(string type, int? rpm = null, long? tpm = null, string name = "a") => new(type, $"{type}_{name}_{_suffix}", rpm, tpm);

    private ValueTask<RateLimitCounts> Acquire(long window, params RateLimitScope[] scopes) => Store.AcquireAsync(Partner, scopes, window, CancellationToken.None);

    [Fact]
    public async Task AcquireAsync_UpToRpm_AdmitsThenRejectsWithCounts()
    {
        var key = Scope(RateLimitScopes.ApiKey, rpm: 3);

        for (var i = 1; i <= 3; i++)
        {
            var admitted = await Acquire(_window, key);
            Assert.True(admitted.Allowed);
            Assert.Equal(i, admitted.Requests[0]);
        }

        var rejected = await Acquire(_window, key);
        Assert.False(rejected.Allowed);
        Assert.Equal(0, rejected.RejectedIndex);
        Assert.Equal(RateLimitMetric.Requests, rejected.RejectedBy);
        Assert.Equal(3, rejected.Requests[0]);
    }

    [Fact]
    public async Task AcquireAsync_TenantRejects_KeyAndUserCountersUntouched()
    {
        var key = Scope(RateLimitScopes.ApiKey, rpm: 10);
        var user = Scope(RateLimitScopes.User, rpm: 10);
        var tenant = Scope(RateLimitScopes.Tenant, rpm: 2);
        Assert.True((await Acquire(_window, key, user, tenant)).Allowed);
        Assert.True((await Acquire(_window, key, user, tenant)).Allowed);

        var rejected = await Acquire(_window, key, user, tenant);
        Assert.False(rejected.Allowed);
        Assert.Equal(2, rejected.RejectedIndex);
        Assert.Equal([2L, 2L, 2L], rejected.Requests);

        // All or nothing: the rejected request was counted nowhere, so the key alone is at 2 + 1.
        var keyAlone = await Acquire(_window, key);
        Assert.True(keyAlone.Allowed);
        Assert.Equal(3, keyAlone.Requests[0]);
    }

    [Fact]
    public async Task AcquireAsync_ScopesWithDifferentIds_CountSeparately()
    {
        var first = Scope(RateLimitScopes.User, rpm: 1, name: "one");
        var second = Scope(RateLimitScopes.User, rpm: 1, name: "two");

        Assert.True((await Acquire(_window, first)).Allowed);
        Assert.True((await Acquire(_window, second)).Allowed);
        Assert.False((await Acquire(_window, first)).Allowed);
    }

    [Fact]
    public async Task AcquireAsync_NextWindow_StartsFresh()
    {
        var tenant = Scope(RateLimitScopes.Tenant, rpm: 2, tpm: 10);
        await Acquire(_window, tenant);
        await Acquire(_window, tenant);
        await Store.AddTokensAsync(Partner, [tenant], _window, 50, CancellationToken.None);
        Assert.False((await Acquire(_window, tenant)).Allowed);

        var next = await Acquire(_window + 1, tenant);

        Assert.True(next.Allowed);
        Assert.Equal(1, next.Requests[0]);
        Assert.Equal(0, next.Tokens[0]);
    }

    [Fact]
    public async Task AcquireAsync_Concurrent_AdmitsExactlyRpm()
    {
        var key = Scope(RateLimitScopes.ApiKey, rpm: 50);
        var tenant = Scope(RateLimitScopes.Tenant, rpm: 1000);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => Acquire(_window, key, tenant).AsTask())));

        Assert.Equal(50, results.Count(r => r.Allowed));
        Assert.All(results.Where(r => !r.Allowed), r => Assert.Equal(0, r.RejectedIndex));
        // The tenant counted exactly the admitted requests.
        var tenantNow = await Acquire(_window, tenant);
        Assert.Equal(51, tenantNow.Requests[0]);
    }

    [Fact]
    public async Task AddTokensAsync_ReachingTpm_RejectsTheNextRequestByTokens()
    {
        var user = Scope(RateLimitScopes.User, rpm: 100);
        var tenant = Scope(RateLimitScopes.Tenant, tpm: 100);
        await Store.AddTokensAsync(Partner, [user, tenant], _window, 60, CancellationToken.None);
        var below = await Acquire(_window, user, tenant);
        Assert.True(below.Allowed);
        Assert.Equal(60, below.Tokens[1]);
        Assert.Equal(0, below.Tokens[0]);

        await Store.AddTokensAsync(Partner, [user, tenant], _window, 40, CancellationToken.None);
        var rejected = await Acquire(_window, user, tenant);

        Assert.False(rejected.Allowed);
        Assert.Equal(1, rejected.RejectedIndex);
        Assert.Equal(RateLimitMetric.Tokens, rejected.RejectedBy);
        Assert.Equal(100, rejected.Tokens[1]);
        Assert.Equal(1, rejected.Requests[0]);
    }
}

public sealed class InMemoryRateLimitCounterStoreTests : RateLimitCounterStoreContractTests
{
    public override Task InitializeAsync()
    {
        Store = new InMemoryRateLimitCounterStore();
        return Task.CompletedTask;
    }
}

public sealed class RedisRateLimitCounterStoreTests : RateLimitCounterStoreContractTests
{
    private ConnectionMultiplexer? _redis;

    public override async Task InitializeAsync()
    {
        var url = new Uri(TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable));
        _redis = await ConnectionMultiplexer.ConnectAsync($"{url.Host}:{url.Port}");
        Store = new RedisRateLimitCounterStore(_redis);
    }

    public override async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task AcquireAsync_NewCounter_ExpiresWithinTwoMinutes()
    {
        var scope = new RateLimitScope(RateLimitScopes.Tenant, "ten_ttl_" + Guid.NewGuid().ToString("N"), 5, null);
        await Store.AcquireAsync("ptn_ttl", [scope], 42, CancellationToken.None);

        var ttl = await _redis!.GetDatabase().KeyTimeToLiveAsync($"sg:rl:{{ptn_ttl}}:tenant:{scope.ScopeId}:42:r");

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));
    }
}
