using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// Resolves the caller from the request's credentials before routing. A request without credentials
/// continues without a caller (the permission guard answers <c>AUTH_REQUIRED</c> where one is needed);
/// credentials that do not resolve are <c>INVALID_CREDENTIALS</c> at once.
/// With <c>SCAIGRID_AUTH_DISABLED=true</c> every request runs as the default tenant's dev platform admin.
/// </summary>
public sealed class AuthenticationMiddleware
{
    public const string DevAdminUserId = "usr_dev_admin";

    private readonly RequestDelegate _next;
    private readonly CallerContext? _devAdmin;
    private readonly IReadOnlyList<ICallerAuthenticator> _authenticators;

    public AuthenticationMiddleware(RequestDelegate next, ScaiGridSettings settings, ModuleRuntime modules, IEnumerable<ICallerAuthenticator> authenticators)
    {
        _next = next;
        _authenticators = authenticators.ToList();
        if (settings.AuthDisabled)
        {
            _devAdmin = new CallerContext
            {
                PartnerId = DefaultTenancy.PartnerId,
                TenantId = DefaultTenancy.TenantId,
                UserId = DevAdminUserId,
                Kind = CallerKind.DevAdmin,
                Roles = new HashSet<string>(StringComparer.Ordinal) { Roles.PlatformAdmin },
                Permissions = RolePermissions.For([Roles.PlatformAdmin], modules.Modules.SelectMany(m => m.Permissions.Select(p => p.Name))),
            };
        }
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (_devAdmin is not null)
        {
            context.SetCaller(_devAdmin);
        }
        else if (BearerToken(context.Request) is { } token)
        {
            CallerContext? caller = null;
            foreach (var authenticator in _authenticators)
            {
                caller = await authenticator.AuthenticateAsync(token, context).ConfigureAwait(false);
                if (caller is not null)
                {
                    break;
                }
            }

            context.SetCaller(caller ?? throw new ScaiGridException(ErrorCodes.InvalidCredentials, "The presented credentials are not valid."));
        }

        await _next(context).ConfigureAwait(false);
    }

    /// <summary>The <c>Authorization: Bearer</c> value; also <c>x-api-key</c>, which some SDKs send instead.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count == 1 && header[0] is { } value)
        {
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value.Length > 7)
            {
                return value[7..].Trim();
            }

            throw new ScaiGridException(ErrorCodes.InvalidCredentials, "The Authorization header must be 'Bearer <key or token>'.");
        }

        return request.Headers["x-api-key"] is { Count: 1 } apiKey && !string.IsNullOrWhiteSpace(apiKey[0]) ? apiKey[0]!.Trim() : null;
    }
}

/// <summary>One kind of credential (API key, JWT, service token). Returns null when the token is not of its kind or unknown.</summary>
public interface ICallerAuthenticator
{
    ValueTask<CallerContext?> AuthenticateAsync(string token, HttpContext context);
}
