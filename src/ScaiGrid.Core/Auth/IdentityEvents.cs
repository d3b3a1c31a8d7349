using System.Text.Json;
using ScaiGrid.Abstractions.Events;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// The one event every change to keys, service tokens, users, roles, tenants or partners publishes:
/// each replica reloads its credential cache when it hears it, so a revocation applies everywhere.
/// </summary>
public static class IdentityEvents
{
    public const string Topic = "identity.changed";

    public static ValueTask PublishAsync(IEventBus bus, string objectType, string objectId, CancellationToken cancellationToken = default)
    {
        var payload = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = objectType, ["id"] = objectId });
        return bus.PublishAsync(Topic, payload, cancellationToken);
    }
}
