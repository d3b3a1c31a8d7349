using System.Text.Json;

namespace ScaiGrid.Abstractions.Events;

/// <summary>
/// Internal publish/subscribe: cache invalidation, budget thresholds, module events. In-process channels
/// on the embedded default; Redis when configured, so every replica hears every event.
/// </summary>
public interface IEventBus
{
    ValueTask PublishAsync(string topic, JsonElement payload, CancellationToken cancellationToken = default);

    /// <summary>Handlers run off the publisher's path; a failing handler is logged and does not affect others.</summary>
    IDisposable Subscribe(string topic, Func<EventMessage, CancellationToken, Task> handler);
}

public sealed record EventMessage(string Topic, JsonElement Payload, DateTimeOffset PublishedAt, string Origin);
