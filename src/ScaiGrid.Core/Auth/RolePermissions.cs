using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// What each built-in role may do. Scope (which partner's or tenant's objects) is separate: a partner
/// admin manages tenants of its partner only, a tenant admin its own tenant only.
/// Module permissions are granted to platform admins, and to the tenant roles that the module lists.
/// </summary>
public static class RolePermissions
{
    private static readonly Dictionary<string, IReadOnlySet<string>> Map = new(StringComparer.Ordinal)
    {
        [Roles.PlatformAdmin] = Permissions.Core.ToHashSet(StringComparer.Ordinal),
        [Roles.PartnerAdmin] = new HashSet<string>(StringComparer.Ordinal)
        {
            Permissions.ModelsUse, Permissions.UsageRead, Permissions.KeysManage, Permissions.UsersManage,
            Permissions.TenantsManage, Permissions.AdminAccess, Permissions.AuditRead,
        },
        [Roles.TenantAdmin] = new HashSet<string>(StringComparer.Ordinal)
        {
            Permissions.ModelsUse, Permissions.UsageRead, Permissions.KeysManage, Permissions.UsersManage,
            Permissions.AdminAccess, Permissions.AuditRead,
        },
        [Roles.Member] = new HashSet<string>(StringComparer.Ordinal) { Permissions.ModelsUse, Permissions.UsageRead },
    };

    /// <summary>The union of the roles' permissions, plus <paramref name="modulePermissions"/> for platform admins. No roles means <c>member</c>.</summary>
    public static IReadOnlySet<string> For(IEnumerable<string> roles, IEnumerable<string>? modulePermissions = null)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var platform = false;
        var any = false;
        foreach (var role in roles)
        {
            if (Map.TryGetValue(role, out var granted))
            {
                result.UnionWith(granted);
            }

            platform |= role == Roles.PlatformAdmin;
            any = true;
        }

        if (!any)
        {
            result.UnionWith(Map[Roles.Member]);
        }

        if (platform && modulePermissions is not null)
        {
            // service:* belongs to service tokens alone, even if a module declares one.
            result.UnionWith(modulePermissions.Where(p => !Permissions.IsService(p)));
        }

        return result;
    }
}
