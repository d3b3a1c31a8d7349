namespace ScaiGrid.Core.Auth;

/// <summary>
/// The one event every change to keys, service tokens, users, roles, tenants or partners publishes
/// (through <see cref="Admin.AdminTopics.PublishAsync"/>): each replica reloads its credential cache when it
/// hears it, so a revocation applies everywhere.
/// </summary>
public static class IdentityEvents
{
    public const string Topic = "identity.changed";
}
