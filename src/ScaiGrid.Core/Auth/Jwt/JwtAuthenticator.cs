using System.Collections.Concurrent;
using System.Security.Claims;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Auth.Jwt;

/// <summary>
/// Bearer JWTs from the configured identity provider. The signature, issuer, audience, lifetime (with the
/// bounded skew) and algorithm allow-list are checked; the claims name the tenant (slug or id), the user
/// and its roles. The resolved user is cached until the credential cache next reloads, so a stream of
/// requests with one token does not query the database each time.
/// </summary>
public sealed class JwtAuthenticator(JwtSettings settings, JwksCache jwks, CredentialCache credentials, ScaiGridDatabase database, ModuleRuntime modules) : ICallerAuthenticator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, (long Stamp, CallerContext Caller)> _resolved = new(StringComparer.Ordinal);

    public async ValueTask<CallerContext?> AuthenticateAsync(string token, HttpContext context)
    {
        if (token.StartsWith(CredentialHasher.ApiKeyPrefix, StringComparison.Ordinal) || token.StartsWith(CredentialHasher.ServiceTokenPrefix, StringComparison.Ordinal) || !_handler.CanReadToken(token))
        {
            return null;
        }

        JsonWebToken parsed;
        try
        {
            parsed = _handler.ReadJsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }

        if (!settings.Algorithms.Contains(parsed.Alg, StringComparer.Ordinal))
        {
            return null;
        }

        var keys = await jwks.GetKeysAsync(parsed.Kid, context.RequestAborted).ConfigureAwait(false);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = settings.Algorithms,
            ClockSkew = settings.ClockSkew,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            TryAllIssuerSigningKeys = false,
        }).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return null;
        }

        var claims = result.ClaimsIdentity;
        var subject = claims.FindFirst(settings.UserClaim)?.Value;
        var tenant = claims.FindFirst(settings.TenantClaim)?.Value;
        if (subject is null || tenant is null)
        {
            return null;
        }

        var roles = claims.FindAll(settings.RolesClaim).Select(c => c.Value).Where(Roles.IsKnown).ToHashSet(StringComparer.Ordinal);
        var key = string.Join('\n', settings.Issuer, subject, tenant, claims.FindFirst(settings.PartnerClaim)?.Value, string.Join(',', roles.Order(StringComparer.Ordinal)));
        var stamp = (await credentials.GetAsync(context.RequestAborted).ConfigureAwait(false)).LoadedAt;
        if (_resolved.TryGetValue(key, out var cached) && cached.Stamp == stamp)
        {
            return cached.Caller;
        }

        var caller = await ResolveAsync(claims, subject, tenant, roles, context.RequestAborted).ConfigureAwait(false);
        if (caller is not null)
        {
            _resolved[key] = (stamp, caller);
        }

        return caller;
    }

    private async Task<CallerContext?> ResolveAsync(ClaimsIdentity claims, string subject, string tenantClaim, HashSet<string> roles, CancellationToken cancellationToken)
    {
        var externalSubject = settings.Issuer + "|" + subject;
        var partnerClaim = claims.FindFirst(settings.PartnerClaim)?.Value;
        await using var db = database.Open();
        var tenant = await (
            from t in db.GetTable<TenantRow>()
            join p in db.GetTable<PartnerRow>() on t.PartnerId equals p.Id
            where (t.Slug == tenantClaim || t.Id == tenantClaim) && t.IsActive && p.IsActive
                  && (partnerClaim == null || p.Slug == partnerClaim || p.Id == partnerClaim)
            select t).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (tenant is null)
        {
            return null;
        }

        var user = await db.GetTable<UserRow>().FirstOrDefaultAsync(u => u.TenantId == tenant.Id && u.ExternalSubject == externalSubject, cancellationToken).ConfigureAwait(false);
        var email = claims.FindFirst(settings.EmailClaim)?.Value?.Trim().ToLowerInvariant();
        if (user is null && email is not null)
        {
            user = await db.GetTable<UserRow>().FirstOrDefaultAsync(u => u.TenantId == tenant.Id && u.Email == email, cancellationToken).ConfigureAwait(false);
            if (user is not null && user.ExternalSubject is null)
            {
                // First JWT for a user created by email: bind the subject so later renames of the email keep working.
                user.ExternalSubject = externalSubject;
                await db.GetTable<UserRow>().Where(u => u.Id == user.Id).Set(u => u.ExternalSubject, externalSubject).UpdateAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (user is null)
        {
            if (!settings.AutoProvision || email is null)
            {
                return null;
            }

            var now = UnixMs.Now();
            user = new UserRow { Id = Ids.New("usr"), TenantId = tenant.Id, Email = email, ExternalSubject = externalSubject, IsActive = true, CreatedAt = now, UpdatedAt = now };
            await db.InsertAsync(user, token: cancellationToken).ConfigureAwait(false);
        }

        if (!user.IsActive || user.ExternalSubject != externalSubject)
        {
            return null;
        }

        if (roles.Count == 0)
        {
            roles = (await db.GetTable<UserRoleRow>().Where(r => r.UserId == user.Id).Select(r => r.Role).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        }

        if (roles.Count == 0)
        {
            roles.Add(Roles.Member);
        }

        return new CallerContext
        {
            PartnerId = tenant.PartnerId,
            TenantId = tenant.Id,
            UserId = user.Id,
            Kind = CallerKind.Jwt,
            Roles = roles,
            Permissions = RolePermissions.For(roles, modules.Modules.SelectMany(m => m.Permissions.Select(p => p.Name))),
        };
    }
}
