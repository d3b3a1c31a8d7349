using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Abstractions.Tenancy;

/// <summary>How endpoints (core and modules) read the authenticated caller and declare what they require.</summary>
public static class CallerHttpExtensions
{
    /// <summary>The caller the authentication step resolved; throws <c>AUTH_REQUIRED</c> when there is none.</summary>
    public static CallerContext GetCaller(this HttpContext context) =>
        context.Features.Get<CallerContext>() ?? throw new ScaiGridException(ErrorCodes.AuthRequired, "This endpoint requires credentials: send Authorization: Bearer <key or token>.");

    public static CallerContext? FindCaller(this HttpContext context) => context.Features.Get<CallerContext>();

    public static void SetCaller(this HttpContext context, CallerContext caller) => context.Features.Set(caller);

    /// <summary>
    /// The caller must hold every one of <paramref name="permissions"/>; otherwise 403 <c>PERMISSION_DENIED</c>.
    /// Every endpoint needs an authenticated caller unless it is marked <c>AllowAnonymous()</c>.
    /// </summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, params string[] permissions)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(new RequiredPermissions(permissions)));
        return builder;
    }

    /// <summary>
    /// An endpoint for internal components: only a service token scoped to <paramref name="service"/> passes;
    /// API keys, JWTs and admins never hold <c>service:*</c> permissions.
    /// </summary>
    public static TBuilder RequireService<TBuilder>(this TBuilder builder, string service)
        where TBuilder : IEndpointConventionBuilder => builder.RequirePermission(Permissions.Service(service));
}

/// <summary>Endpoint metadata read by the permission guard.</summary>
public sealed record RequiredPermissions(IReadOnlyList<string> Permissions);
