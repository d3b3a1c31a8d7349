using ScaiGrid.Abstractions.State;
using StackExchange.Redis;

namespace ScaiGrid.Core.State;

/// <summary>Real-time state shared by every replica, in Redis (<c>SCAIGRID_REDIS_URL</c>). Keys are prefixed <c>sg:</c>.</summary>
public sealed class RedisStateStore(IConnectionMultiplexer redis) : IStateStore
{
    private const string Prefix = "sg:";

    // INCRBY then set the TTL only when the key was just created, atomically.
    private static readonly LuaScript IncrementScript = LuaScript.Prepare(
        "local v = redis.call('INCRBY', @key, @delta) if tonumber(@ttl) > 0 and v == tonumber(@delta) then redis.call('PEXPIRE', @key, @ttl) end return v");

    public string Kind => "redis";

    private IDatabase Db => redis.GetDatabase();

    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        await Db.StringGetAsync(Prefix + key).ConfigureAwait(false);

    public async ValueTask SetAsync(string key, string value, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        await Db.StringSetAsync(Prefix + key, value, ttl is { } t ? new Expiration(t) : Expiration.Default).ConfigureAwait(false);

    public async ValueTask<bool> SetIfAbsentAsync(string key, string value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        await Db.StringSetAsync(Prefix + key, value, new Expiration(ttl), ValueCondition.NotExists).ConfigureAwait(false);

    public async ValueTask<long> IncrementAsync(string key, long delta = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(IncrementScript, new
        {
            key = (RedisKey)(Prefix + key),
            delta,
            ttl = ttl is { } t ? (long)t.TotalMilliseconds : 0L,
        }).ConfigureAwait(false);
        return (long)result;
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await Db.KeyDeleteAsync(Prefix + key).ConfigureAwait(false);

    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await Db.PingAsync().ConfigureAwait(false);
}
