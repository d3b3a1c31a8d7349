using System.Globalization;
using StackExchange.Redis;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>
/// Counters shared by every replica. One Lua script per request checks every scope and increments all or
/// none, so a request the tenant limit rejects does not spend the key's budget. Keys are
/// <c>sg:rl:{partner}:scope_type:scope_id:minute:r|t</c>; the <c>{partner}</c> hash tag puts all keys of
/// one caller in one Redis Cluster slot (a script may only touch one slot). Keys expire after two minutes:
/// the window plus slack for replicas whose clocks differ slightly.
/// </summary>
internal sealed class RedisRateLimitCounterStore(IConnectionMultiplexer redis) : IRateLimitCounterStore
{
    private const long KeyTtlMs = 120_000;

    // KEYS: per scope [requests key, tokens key]. ARGV: ttl, then per scope [rpm, tpm] with -1 for none.
    // Returns [rejected index (0-based, -1 admitted), metric (0 none, 1 requests, 2 tokens), req1, tok1, …].
    private const string AcquireScript = """
        local n = #KEYS / 2
        local ttl = tonumber(ARGV[1])
        local out = {-1, 0}
        for i = 1, n do
          local rpm = tonumber(ARGV[2 * i])
          local tpm = tonumber(ARGV[2 * i + 1])
          local req = 0
          local tok = 0
          if rpm >= 0 then req = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0') end
          if tpm >= 0 then tok = tonumber(redis.call('GET', KEYS[2 * i]) or '0') end
          out[2 * i + 1] = req
          out[2 * i + 2] = tok
          if out[1] < 0 then
            if rpm >= 0 and req + 1 > rpm then out[1] = i - 1 out[2] = 1
            elseif tpm >= 0 and tok >= tpm then out[1] = i - 1 out[2] = 2 end
          end
        end
        if out[1] < 0 then
          for i = 1, n do
            if tonumber(ARGV[2 * i]) >= 0 then
              local v = redis.call('INCR', KEYS[2 * i - 1])
              if v == 1 then redis.call('PEXPIRE', KEYS[2 * i - 1], ttl) end
              out[2 * i + 1] = v
            end
          end
        end
        return out
        """;

    // KEYS: token keys. ARGV: ttl, tokens.
    private const string AddTokensScript = """
        local ttl = tonumber(ARGV[1])
        local delta = tonumber(ARGV[2])
        for i = 1, #KEYS do
          local v = redis.call('INCRBY', KEYS[i], delta)
          if v == delta then redis.call('PEXPIRE', KEYS[i], ttl) end
        end
        return 0
        """;

    public string Kind => "redis";

    public async ValueTask<RateLimitCounts> AcquireAsync(string partition, IReadOnlyList<RateLimitScope> scopes, long window, CancellationToken cancellationToken)
    {
        var keys = new RedisKey[scopes.Count * 2];
        var args = new RedisValue[1 + (scopes.Count * 2)];
        args[0] = KeyTtlMs;
        for (var i = 0; i < scopes.Count; i++)
        {
            var prefix = KeyPrefix(partition, scopes[i], window);
            keys[2 * i] = prefix + "r";
            keys[(2 * i) + 1] = prefix + "t";
            args[1 + (2 * i)] = scopes[i].Rpm ?? -1L;
            args[2 + (2 * i)] = scopes[i].Tpm ?? -1L;
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys, args).ConfigureAwait(false))!;
        var requests = new long[scopes.Count];
        var tokens = new long[scopes.Count];
        for (var i = 0; i < scopes.Count; i++)
        {
            requests[i] = (long)result[2 + (2 * i)];
            tokens[i] = (long)result[3 + (2 * i)];
        }

        return new RateLimitCounts((int)(long)result[0], (RateLimitMetric)(int)(long)result[1], requests, tokens);
    }

    public async ValueTask AddTokensAsync(string partition, IReadOnlyList<RateLimitScope> scopes, long window, long tokens, CancellationToken cancellationToken)
    {
        var keys = new List<RedisKey>(scopes.Count);
        foreach (var scope in scopes)
        {
            if (scope.Tpm is not null)
            {
                keys.Add(KeyPrefix(partition, scope, window) + "t");
            }
        }

        if (keys.Count == 0)
        {
            return;
        }

        await redis.GetDatabase().ScriptEvaluateAsync(AddTokensScript, [.. keys], [KeyTtlMs, tokens]).ConfigureAwait(false);
    }

    private static string KeyPrefix(string partition, RateLimitScope scope, long window) =>
        string.Create(CultureInfo.InvariantCulture, $"sg:rl:{{{partition}}}:{scope.ScopeType}:{scope.ScopeId}:{window}:");
}
