using System.Net.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace ScaiGrid.Core.Auth.Jwt;

/// <summary>
/// The identity provider's signing keys: fetched once, refetched every 10 minutes (rotation), and at once
/// when a token names an unknown <c>kid</c> — but at most every 2 s, so forged kids cannot flood the IdP.
/// </summary>
public sealed partial class JwksCache(JwtSettings settings, IHttpClientFactory http, TimeProvider time, ILogger<JwksCache> logger)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MinRefetch = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private IReadOnlyList<SecurityKey> _keys = [];
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;

    public async Task<IReadOnlyList<SecurityKey>> GetKeysAsync(string? kid, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var known = kid is null || _keys.Any(k => k.KeyId == kid);
        if (known && now - _fetchedAt < MaxAge)
        {
            return _keys;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            known = kid is null || _keys.Any(k => k.KeyId == kid);
            if ((known && now - _fetchedAt < MaxAge) || now - _fetchedAt < MinRefetch)
            {
                return _keys;
            }

            try
            {
                using var client = http.CreateClient(nameof(JwksCache));
                var json = await client.GetStringAsync(settings.JwksUrl, cancellationToken).ConfigureAwait(false);
                _keys = new JsonWebKeySet(json).GetSigningKeys().ToList();
            }
            catch (Exception ex) when (ex is HttpRequestException or ArgumentException or TaskCanceledException)
            {
                // Keep serving the keys we have; the IdP may be briefly away.
                LogFetchFailed(ex, settings.JwksUrl.ToString());
            }

            _fetchedAt = now;
            return _keys;
        }
        finally
        {
            _lock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching the JWKS from {Url} failed")]
    private partial void LogFetchFailed(Exception exception, string url);
}
