using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Core.Auth.ApiKeys;

/// <summary>
/// <c>sgk_…</c> keys: the presented key is hashed (HMAC under the server pepper) and looked up in the
/// cached snapshot; the stored hash is then compared in constant time. Expiry is checked per request
/// because the snapshot may be up to a refresh old.
/// </summary>
public sealed class ApiKeyAuthenticator(CredentialCache cache, CredentialHasher hasher, LastUsedRecorder lastUsed, TimeProvider time) : ICallerAuthenticator
{
    public async ValueTask<CallerContext?> AuthenticateAsync(string token, HttpContext context)
    {
        if (!token.StartsWith(CredentialHasher.ApiKeyPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var snapshot = await cache.GetAsync(context.RequestAborted).ConfigureAwait(false);
        var hash = hasher.Hash(token);
        if (!snapshot.ApiKeys.TryGetValue(hash, out var key) || !CredentialHasher.HashEquals(hash, key.Hash))
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (key.ExpiresAt is { } expires && expires <= now)
        {
            return null;
        }

        lastUsed.Touch(key.Id, now);
        return key.Caller;
    }
}
