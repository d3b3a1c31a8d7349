using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using StackExchange.Redis;

namespace ScaiGrid.Core.Accounting;

/// <summary>Records taken from the buffer together; acknowledged once they are in the database.</summary>
public sealed record UsageBatch(string Id, IReadOnlyList<UsageRecordRow> Records);

/// <summary>
/// Usage records on their way to the database, off the request path. In-process on the embedded default;
/// in Redis when configured, where they survive a crash of the process that served the request.
/// </summary>
public interface IUsageBuffer
{
    ValueTask AddAsync(UsageRecordRow record, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> records, or null when the buffer is empty.</summary>
    ValueTask<UsageBatch?> TakeAsync(int max, CancellationToken cancellationToken = default);

    ValueTask AckAsync(UsageBatch batch, CancellationToken cancellationToken = default);

    /// <summary>Puts batches taken by a flusher that died before acknowledging them back into the buffer.</summary>
    ValueTask<int> RequeueStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);
}

public sealed class InMemoryUsageBuffer : IUsageBuffer
{
    private readonly Channel<UsageRecordRow> _channel = Channel.CreateUnbounded<UsageRecordRow>(new UnboundedChannelOptions { SingleReader = true });

    public ValueTask AddAsync(UsageRecordRow record, CancellationToken cancellationToken = default) => _channel.Writer.WriteAsync(record, cancellationToken);

    public ValueTask<UsageBatch?> TakeAsync(int max, CancellationToken cancellationToken = default)
    {
        List<UsageRecordRow>? records = null;
        while ((records?.Count ?? 0) < max && _channel.Reader.TryRead(out var record))
        {
            (records ??= []).Add(record);
        }

        return ValueTask.FromResult(records is null ? null : new UsageBatch("memory", records));
    }

    public ValueTask AckAsync(UsageBatch batch, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<int> RequeueStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) => ValueTask.FromResult(0);

    /// <summary>Completes when a record is waiting (so the flusher does not poll an empty buffer).</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);
}

/// <summary>
/// Redis list <c>pending</c>; a flusher moves a batch atomically into its own list (registered with the time
/// it was taken), writes it, then deletes it. A batch left behind by a crashed flusher is requeued, and the
/// idempotent insert (keyed by request id) makes the second write a no-op for rows that did land.
/// </summary>
public sealed class RedisUsageBuffer(IConnectionMultiplexer redis, TimeProvider time) : IUsageBuffer
{
    private const string Prefix = "sg:{sg-usage}:";
    private const string Pending = Prefix + "pending";
    private const string Batches = Prefix + "batches";

    // KEYS: pending, batch, batches ; ARGV: max, now_ms, batch_id
    private const string TakeScript = """
        local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
        if #items == 0 then return items end
        redis.call('LTRIM', KEYS[1], #items, -1)
        redis.call('RPUSH', KEYS[2], unpack(items))
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
        return items
        """;

    // KEYS: batch, pending, batches ; ARGV: batch_id
    private const string RequeueScript = """
        local items = redis.call('LRANGE', KEYS[1], 0, -1)
        if #items > 0 then redis.call('RPUSH', KEYS[2], unpack(items)) end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        return #items
        """;

    private IDatabase Db => redis.GetDatabase();

    public async ValueTask AddAsync(UsageRecordRow record, CancellationToken cancellationToken = default) =>
        await Db.ListRightPushAsync(Pending, JsonSerializer.SerializeToUtf8Bytes(record, UsageJsonContext.Default.UsageRecordRow)).ConfigureAwait(false);

    public async ValueTask<UsageBatch?> TakeAsync(int max, CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid().ToString("N");
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(TakeScript, [Pending, BatchKey(id), Batches], [max, time.GetUtcNow().ToUnixTimeMilliseconds(), id]).ConfigureAwait(false))!;
        if (result.Length == 0)
        {
            return null;
        }

        var records = result.Select(r => JsonSerializer.Deserialize((byte[])r!, UsageJsonContext.Default.UsageRecordRow)!).ToList();
        return new UsageBatch(id, records);
    }

    public async ValueTask AckAsync(UsageBatch batch, CancellationToken cancellationToken = default)
    {
        var tx = Db.CreateTransaction();
        _ = tx.KeyDeleteAsync(BatchKey(batch.Id));
        _ = tx.SortedSetRemoveAsync(Batches, batch.Id);
        await tx.ExecuteAsync().ConfigureAwait(false);
    }

    public async ValueTask<int> RequeueStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = (time.GetUtcNow() - olderThan).ToUnixTimeMilliseconds();
        var stale = await Db.SortedSetRangeByScoreAsync(Batches, double.NegativeInfinity, cutoff, take: 100).ConfigureAwait(false);
        var requeued = 0;
        foreach (var id in stale)
        {
            requeued += (int)await Db.ScriptEvaluateAsync(RequeueScript, [BatchKey(id!), Pending, Batches], [id]).ConfigureAwait(false);
        }

        return requeued;
    }

    private static string BatchKey(string id) => Prefix + "batch:" + id;
}

[JsonSerializable(typeof(UsageRecordRow))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
