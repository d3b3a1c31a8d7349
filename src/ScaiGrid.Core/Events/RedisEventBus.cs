using System.Text.Json;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using StackExchange.Redis;

namespace ScaiGrid.Core.Events;

/// <summary>
/// Events across replicas: Redis pub/sub on <c>sg:events:{topic}</c>. Every replica, the publisher included,
/// hears each event, which is what cache invalidation needs (a revoked key must fail everywhere within
/// seconds). Pub/sub is fire-and-forget: a replica that was disconnected misses events, so caches that
/// depend on it also refresh periodically.
/// </summary>
public sealed partial class RedisEventBus(IConnectionMultiplexer redis, ILogger<RedisEventBus> logger) : IEventBus
{
    public const string ChannelPrefix = "sg:events:";

    private readonly string _origin = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask PublishAsync(string topic, JsonElement payload, CancellationToken cancellationToken = default)
    {
        var wire = JsonSerializer.Serialize(new Wire(payload, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _origin), WireJson.Default.Wire);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ChannelPrefix + topic), wire).ConfigureAwait(false);
    }

    public IDisposable Subscribe(string topic, Func<EventMessage, CancellationToken, Task> handler)
    {
        var channel = RedisChannel.Literal(ChannelPrefix + topic);
        var stop = new CancellationTokenSource();

        // One ordered queue per subscription: handlers run one at a time, off Redis's reader thread.
        var queue = redis.GetSubscriber().Subscribe(channel);
        queue.OnMessage(async message =>
        {
            EventMessage? parsed = null;
            try
            {
                var wire = JsonSerializer.Deserialize((string)message.Message!, WireJson.Default.Wire);
                if (wire is not null)
                {
                    parsed = new EventMessage(topic, wire.Payload, DateTimeOffset.FromUnixTimeMilliseconds(wire.PublishedAt), wire.Origin);
                }
            }
            catch (JsonException ex)
            {
                LogMalformed(ex, topic);
            }

            if (parsed is null || stop.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await handler(parsed, stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHandlerFailed(ex, topic);
            }
        });
        return new Subscription(queue, stop);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event handler for {Topic} failed")]
    private partial void LogHandlerFailed(Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a malformed event on {Topic}")]
    private partial void LogMalformed(Exception exception, string topic);

    internal sealed record Wire(
        [property: System.Text.Json.Serialization.JsonPropertyName("payload")] JsonElement Payload,
        [property: System.Text.Json.Serialization.JsonPropertyName("published_at")] long PublishedAt,
        [property: System.Text.Json.Serialization.JsonPropertyName("origin")] string Origin);

    private sealed class Subscription(ChannelMessageQueue queue, CancellationTokenSource stop) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                stop.Cancel();
                queue.Unsubscribe();
                stop.Dispose();
            }
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(RedisEventBus.Wire))]
internal sealed partial class WireJson : System.Text.Json.Serialization.JsonSerializerContext;
