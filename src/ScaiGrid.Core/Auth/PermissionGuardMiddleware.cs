using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// Deny by default: after routing, every endpoint needs an authenticated caller unless it carries
/// <see cref="IAllowAnonymous"/> metadata (<c>AllowAnonymous()</c>), and the caller must hold every
/// permission of its <see cref="RequiredPermissions"/>. Unmatched routes fall through to the 404 writer.
/// </summary>
public sealed class PermissionGuardMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return next(context);
        }

        var caller = context.GetCaller();
        foreach (var required in endpoint.Metadata.GetOrderedMetadata<RequiredPermissions>())
        {
            foreach (var permission in required.Permissions)
            {
                if (!caller.HasPermission(permission))
                {
                    throw new ScaiGridException(ErrorCodes.PermissionDenied, $"This requires the '{permission}' permission.");
                }
            }
        }

        return next(context);
    }
}
