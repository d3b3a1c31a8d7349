using StackExchange.Redis;

namespace ScaiGrid.Core.Accounting;

/// <summary>
/// The ledger shared by every replica, in Redis. Each operation is one Lua script, so a reservation checks
/// and books every budget level atomically: no interleaving of concurrent requests can overspend. All keys
/// carry the hash tag <c>{sg-budget}</c> so a Redis Cluster keeps them in one slot (scripts need that).
/// Per request there is one key, the reservation, deleted by its settle; a reclaimed reservation becomes a
/// <c>lapsed</c> tombstone that expires after <see cref="BudgetLedgerLimits.LapsedRetention"/>. Nothing else
/// is kept per request, so Redis memory follows the requests in flight, not the traffic.
/// </summary>
public sealed class RedisBudgetLedger(IConnectionMultiplexer redis, TimeProvider time) : IBudgetLedger
{
    private const string Prefix = "sg:{sg-budget}:";
    private const string IndexKey = Prefix + "reservations";

    // KEYS: spent_1, reserved_1, …, spent_n, reserved_n, reservation, index ; ARGV: amount, n, limit_1..n, ttl_1..n (ms, 0 = none), expires_at_ms, id, payload, key_ttl_ms
    private const string ReserveScript = """
        local amount = tonumber(ARGV[1])
        local n = tonumber(ARGV[2])
        for i = 1, n do
          local spent = redis.call('GET', KEYS[2*i-1])
          if not spent then return {2, i} end
          local reserved = tonumber(redis.call('GET', KEYS[2*i]) or '0')
          if tonumber(spent) + reserved + amount > tonumber(ARGV[2+i]) then return {1, i} end
        end
        for i = 1, n do
          redis.call('INCRBY', KEYS[2*i], amount)
          local ttl = tonumber(ARGV[2+n+i])
          if ttl > 0 then redis.call('PEXPIRE', KEYS[2*i], ttl) end
        end
        redis.call('SET', KEYS[2*n+1], ARGV[2+2*n+3], 'PX', ARGV[2+2*n+4])
        redis.call('ZADD', KEYS[2*n+2], ARGV[2+2*n+1], ARGV[2+2*n+2])
        return {0, 0}
        """;

    // A held reservation's payload is "amount|reserved_key_1|…": give the amount back to every reserved counter.
    private const string ReleaseFunction = """
        local function release(payload)
          local amount = nil
          for part in string.gmatch(payload, '([^|]+)') do
            if amount == nil then amount = tonumber(part) else redis.call('DECRBY', part, amount) end
          end
        end

        """;

    // KEYS: spent_1..n, reservation, index ; ARGV: actual, n, threshold_1..n, id
    // No reservation key: settled before (or never reserved), so committing again would count twice.
    private const string SettleScript = ReleaseFunction + """
        local n = tonumber(ARGV[2])
        local payload = redis.call('GET', KEYS[n+1])
        if not payload then return {} end
        if payload ~= 'lapsed' then release(payload) end
        redis.call('DEL', KEYS[n+1])
        redis.call('ZREM', KEYS[n+2], ARGV[3+n])
        local actual = tonumber(ARGV[1])
        local crossed = {}
        for i = 1, n do
          local before = tonumber(redis.call('GET', KEYS[i]) or '0')
          local after = redis.call('INCRBY', KEYS[i], actual)
          local threshold = tonumber(ARGV[2+i])
          if threshold > 0 and before < threshold and after >= threshold then table.insert(crossed, i) end
        end
        return crossed
        """;

    // KEYS: reservation, index ; ARGV: id, lapsed_retention_ms
    // The reservation turns into a tombstone: its request may still settle late and must then commit.
    private const string ReclaimScript = ReleaseFunction + """
        local payload = redis.call('GET', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        if (not payload) or payload == 'lapsed' then return 0 end
        release(payload)
        redis.call('SET', KEYS[1], 'lapsed', 'PX', ARGV[2])
        return 1
        """;

    private IDatabase Db => redis.GetDatabase();

    public static string Spent(string counterKey) => Prefix + "c:" + counterKey + ":spent";

    public static string Reserved(string counterKey) => Prefix + "c:" + counterKey + ":reserved";

    private static string ReservationKey(string id) => Prefix + "r:" + id;

    public async ValueTask<ReserveResult> ReserveAsync(string reservationId, IReadOnlyList<LedgerLine> lines, long amount, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var n = lines.Count;
        var keys = new RedisKey[(2 * n) + 2];
        var args = new RedisValue[2 + (2 * n) + 4];
        args[0] = amount;
        args[1] = n;
        var payload = new System.Text.StringBuilder().Append(amount);
        for (var i = 0; i < n; i++)
        {
            keys[2 * i] = Spent(lines[i].CounterKey);
            keys[(2 * i) + 1] = Reserved(lines[i].CounterKey);
            args[2 + i] = lines[i].LimitNanoUsd;
            args[2 + n + i] = lines[i].Ttl is { } t ? (long)t.TotalMilliseconds : 0L;
            payload.Append('|').Append(Reserved(lines[i].CounterKey));
        }

        keys[2 * n] = ReservationKey(reservationId);
        keys[(2 * n) + 1] = IndexKey;
        args[2 + (2 * n)] = (time.GetUtcNow() + ttl).ToUnixTimeMilliseconds();
        args[2 + (2 * n) + 1] = reservationId;
        args[2 + (2 * n) + 2] = payload.ToString();
        // A safety net only: the settle or the reclaimer removes the key long before this.
        args[2 + (2 * n) + 3] = (long)(ttl + BudgetLedgerLimits.LapsedRetention).TotalMilliseconds;
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ReserveScript, keys, args).ConfigureAwait(false))!;
        var status = (int)result[0];
        var line = (int)result[1] - 1;
        return status switch
        {
            0 => new ReserveResult(ReserveStatus.Reserved, -1),
            1 => new ReserveResult(ReserveStatus.Exceeded, line),
            _ => new ReserveResult(ReserveStatus.NeedsSeed, line),
        };
    }

    public async ValueTask<IReadOnlyList<int>> SettleAsync(string reservationId, IReadOnlyList<LedgerLine> lines, long actual, CancellationToken cancellationToken = default)
    {
        var n = lines.Count;
        var keys = new RedisKey[n + 2];
        var args = new RedisValue[3 + n];
        args[0] = actual;
        args[1] = n;
        for (var i = 0; i < n; i++)
        {
            keys[i] = Spent(lines[i].CounterKey);
            args[2 + i] = lines[i].ThresholdNanoUsd;
        }

        keys[n] = ReservationKey(reservationId);
        keys[n + 1] = IndexKey;
        args[2 + n] = reservationId;
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(SettleScript, keys, args).ConfigureAwait(false))!;
        return result.Select(r => (int)r - 1).ToList();
    }

    public async ValueTask SeedAsync(string counterKey, long committed, TimeSpan? ttl, CancellationToken cancellationToken = default) =>
        await Db.StringSetAsync(Spent(counterKey), committed, ttl is { } t ? new Expiration(t) : Expiration.Default, ValueCondition.NotExists).ConfigureAwait(false);

    public async ValueTask<(long Committed, long Reserved)> ReadAsync(string counterKey, CancellationToken cancellationToken = default)
    {
        var values = await Db.StringGetAsync([Spent(counterKey), Reserved(counterKey)]).ConfigureAwait(false);
        return ((long?)values[0] ?? 0, (long?)values[1] ?? 0);
    }

    public async ValueTask<int> ReclaimExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = await Db.SortedSetRangeByScoreAsync(IndexKey, double.NegativeInfinity, now, take: 500).ConfigureAwait(false);
        var reclaimed = 0;
        foreach (var id in expired)
        {
            var result = await Db.ScriptEvaluateAsync(ReclaimScript, [ReservationKey(id!), IndexKey], [id, (long)BudgetLedgerLimits.LapsedRetention.TotalMilliseconds]).ConfigureAwait(false);
            reclaimed += (int)result;
        }

        return reclaimed;
    }
}
