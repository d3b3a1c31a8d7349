using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;

namespace ScaiGrid.Core.Events;

/// <summary>
/// Events inside one process (the embedded default): each subscriber has its own unbounded channel and
/// reader loop, so a slow or failing handler never delays the publisher or other subscribers.
/// </summary>
public sealed partial class InProcessEventBus(ILogger<InProcessEventBus> logger) : IEventBus, IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscription, byte>> _topics = new(StringComparer.Ordinal);
    private readonly string _origin = Environment.MachineName + ":" + Environment.ProcessId;

    public ValueTask PublishAsync(string topic, JsonElement payload, CancellationToken cancellationToken = default)
    {
        if (_topics.TryGetValue(topic, out var subscribers))
        {
            var message = new EventMessage(topic, payload.Clone(), DateTimeOffset.UtcNow, _origin);
            foreach (var subscriber in subscribers.Keys)
            {
                subscriber.Channel.Writer.TryWrite(message);
            }
        }

        return ValueTask.CompletedTask;
    }

    public IDisposable Subscribe(string topic, Func<EventMessage, CancellationToken, Task> handler)
    {
        var subscription = new Subscription(this, topic, handler);
        _topics.GetOrAdd(topic, _ => new ConcurrentDictionary<Subscription, byte>()).TryAdd(subscription, 0);
        subscription.Start();
        return subscription;
    }

    public void Dispose()
    {
        foreach (var subscribers in _topics.Values)
        {
            foreach (var s in subscribers.Keys)
            {
                s.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event handler for {Topic} failed")]
    private partial void LogHandlerFailed(Exception exception, string topic);

    private sealed class Subscription(InProcessEventBus bus, string topic, Func<EventMessage, CancellationToken, Task> handler) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public Channel<EventMessage> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<EventMessage>(new UnboundedChannelOptions { SingleReader = true });

        public void Start() => _ = Task.Run(RunAsync);

        public void Dispose()
        {
            if (bus._topics.TryGetValue(topic, out var subscribers))
            {
                subscribers.TryRemove(this, out _);
            }

            Channel.Writer.TryComplete();
            _stop.Cancel();
        }

        private async Task RunAsync()
        {
            try
            {
                await foreach (var message in Channel.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        await handler(message, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        bus.LogHandlerFailed(ex, topic);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Unsubscribed.
            }
        }
    }
}
