using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Core.Admin;

/// <summary>The admin API under <c>/v1/admin/</c>: every group needs <c>admin:access</c> plus its own permission.</summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/v1/admin").RequirePermission(Permissions.AdminAccess);
        PartnersAdmin.Map(admin);
        TenantsAdmin.Map(admin);
        UsersAdmin.Map(admin);
        ApiKeysAdmin.Map(admin);
        ServiceTokensAdmin.Map(admin);
        ProvidersAdmin.Map(admin);
        BackendModelsAdmin.Map(admin);
        FrontendModelsAdmin.Map(admin);
        BudgetsAdmin.Map(admin);
        RateLimitsAdmin.Map(admin);
        AuditAdmin.Map(admin);
        return endpoints;
    }
}
