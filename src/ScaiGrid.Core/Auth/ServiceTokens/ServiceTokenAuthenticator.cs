using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Core.Auth.ServiceTokens;

/// <summary>
/// <c>sgt_…</c> tokens for internal components. The caller holds only <c>service:{name}</c> permissions,
/// so it passes service endpoints and nothing else (no inference, no admin).
/// </summary>
public sealed class ServiceTokenAuthenticator(CredentialCache cache, CredentialHasher hasher, TimeProvider time) : ICallerAuthenticator
{
    public async ValueTask<CallerContext?> AuthenticateAsync(string token, HttpContext context)
    {
        if (!token.StartsWith(CredentialHasher.ServiceTokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var snapshot = await cache.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var hash = hasher.Hash(token);
        if (!snapshot.ServiceTokens.TryGetValue(hash, out var entry) || !CredentialHasher.HashEquals(hash, entry.Hash))
        {
            return null;
        }

        return entry.ExpiresAt is { } expires && expires <= time.GetUtcNow().ToUnixTimeMilliseconds() ? null : entry.Caller;
    }
}
