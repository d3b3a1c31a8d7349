namespace ScaiGrid.Abstractions.Tenancy;

/// <summary>Core permission strings. Modules declare their own (e.g. <c>scaiqueue:manage</c>).</summary>
public static class Permissions
{
    public const string ModelsUse = "models:use";
    public const string UsageRead = "usage:read";
    public const string KeysManage = "keys:manage";
    public const string UsersManage = "users:manage";
    public const string TenantsManage = "tenants:manage";
    public const string ProvidersManage = "providers:manage";
    public const string AdminAccess = "admin:access";
    public const string AuditRead = "audit:read";

    /// <summary>Partners and service tokens: platform-wide objects only platform admins manage.</summary>
    public const string PlatformManage = "platform:manage";

    /// <summary>The prefix of service permissions, which only service tokens carry (never API keys or users).</summary>
    public const string ServicePrefix = "service:";

    public static IReadOnlyList<string> Core { get; } =
        [ModelsUse, UsageRead, KeysManage, UsersManage, TenantsManage, ProvidersManage, AdminAccess, AuditRead, PlatformManage];

    /// <summary>The permission a service token for <paramref name="service"/> holds, e.g. <c>service:scaiinfer</c>.</summary>
    public static string Service(string service) => ServicePrefix + service;

    public static bool IsService(string permission) => permission.StartsWith(ServicePrefix, StringComparison.Ordinal);
}

/// <summary>The built-in roles, widest first.</summary>
public static class Roles
{
    public const string PlatformAdmin = "platform_admin";
    public const string PartnerAdmin = "partner_admin";
    public const string TenantAdmin = "tenant_admin";
    public const string Member = "member";

    public static IReadOnlyList<string> All { get; } = [PlatformAdmin, PartnerAdmin, TenantAdmin, Member];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
