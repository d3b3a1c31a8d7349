using ScaiGrid.Abstractions.State;
using ScaiGrid.Core.State;
using ScaiGrid.Testing.Databases;
using StackExchange.Redis;

namespace ScaiGrid.Core.Tests.State;

/// <summary>The same contract for the in-process store and the Redis store (a real Redis server).</summary>
public abstract class StateStoreContractTests : IAsyncLifetime
{
    protected IStateStore Store { get; set; } = null!;

    protected string Key { get; } = "test:" + Guid.NewGuid().ToString("N");

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SetGetDelete_RoundTrip()
    {
        Assert.Null(await Store.GetAsync(Key));
        await Store.SetAsync(Key, "v1");
        Assert.Equal("v1", await Store.GetAsync(Key));
        Assert.True(await Store.DeleteAsync(Key));
        Assert.Null(await Store.GetAsync(Key));
        Assert.False(await Store.DeleteAsync(Key));
    }

    [Fact]
    public async Task Increment_Concurrent_CountsEveryCall()
    {
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Store.IncrementAsync(Key, 2, TimeSpan.FromMinutes(1)).AsTask()));

        Assert.Equal("400", await Store.GetAsync(Key));
        Assert.Equal(395, await Store.IncrementAsync(Key, -5));
    }

    [Fact]
    public async Task SetIfAbsent_OnlyTheFirstWinsUntilExpiry()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Store.SetIfAbsentAsync(Key, "owner" + i, TimeSpan.FromSeconds(1.5)).AsTask()));

        Assert.Equal(1, results.Count(r => r));
        await Task.Delay(2_500);
        Assert.True(await Store.SetIfAbsentAsync(Key, "later", TimeSpan.FromSeconds(5)));
        Assert.Equal("later", await Store.GetAsync(Key));
    }

    [Fact]
    public async Task Set_WithTtl_Expires()
    {
        // Wide margins: on a loaded 2-core CI machine a 200 ms key can expire before the first read.
        await Store.SetAsync(Key, "short", TimeSpan.FromSeconds(1.5));
        Assert.Equal("short", await Store.GetAsync(Key));

        await Task.Delay(2_500);

        Assert.Null(await Store.GetAsync(Key));
    }
}

public sealed class InMemoryStateStoreTests : StateStoreContractTests
{
    public override Task InitializeAsync()
    {
        Store = new InMemoryStateStore(TimeProvider.System);
        return Task.CompletedTask;
    }
}

public sealed class RedisStateStoreTests : StateStoreContractTests
{
    private ConnectionMultiplexer? _redis;

    public override async Task InitializeAsync()
    {
        var url = new Uri(TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable));
        _redis = await ConnectionMultiplexer.ConnectAsync($"{url.Host}:{url.Port}");
        Store = new RedisStateStore(_redis);
        await Store.PingAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
