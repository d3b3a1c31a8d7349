using System.Globalization;
using ScaiGrid.Core.Configuration;

namespace ScaiGrid.Core.Auth.Jwt;

/// <summary>JWT bearer validation against an external OIDC identity provider (<c>SCAIGRID_JWT_*</c>); null when not configured.</summary>
public sealed record JwtSettings
{
    public required string Issuer { get; init; }
    public required string Audience { get; init; }
    public required Uri JwksUrl { get; init; }
    public IReadOnlyList<string> Algorithms { get; init; } = ["RS256", "ES256"];
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);
    public string PartnerClaim { get; init; } = "partner";
    public string TenantClaim { get; init; } = "tenant";
    public string UserClaim { get; init; } = "sub";
    public string EmailClaim { get; init; } = "email";
    public string RolesClaim { get; init; } = "roles";
    public bool AutoProvision { get; init; }

    private static readonly string[] Supported = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    public static JwtSettings? Parse(Func<string, string?> get)
    {
        var issuer = get("SCAIGRID_JWT_ISSUER");
        var audience = get("SCAIGRID_JWT_AUDIENCE");
        var jwks = get("SCAIGRID_JWT_JWKS_URL");
        if (issuer is null && audience is null && jwks is null)
        {
            return null;
        }

        if (issuer is null || audience is null || jwks is null)
        {
            throw new ConfigurationException(issuer is null ? "SCAIGRID_JWT_ISSUER" : audience is null ? "SCAIGRID_JWT_AUDIENCE" : "SCAIGRID_JWT_JWKS_URL", "JWT needs issuer, audience and JWKS URL together");
        }

        if (!Uri.TryCreate(jwks, UriKind.Absolute, out var jwksUrl) || jwksUrl.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException("SCAIGRID_JWT_JWKS_URL", $"'{jwks}' is not an http(s) URL");
        }

        var algorithms = (get("SCAIGRID_JWT_ALGORITHMS") ?? "RS256,ES256").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (algorithms.FirstOrDefault(a => !Supported.Contains(a, StringComparer.Ordinal)) is { } bad)
        {
            // "none" and the HMAC family are refused: an asymmetric IdP key must sign every token.
            throw new ConfigurationException("SCAIGRID_JWT_ALGORITHMS", $"'{bad}' is not allowed (allowed: {string.Join(", ", Supported)})");
        }

        var skew = 60;
        if (get("SCAIGRID_JWT_CLOCK_SKEW_S") is { } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out skew) || skew > 300))
        {
            throw new ConfigurationException("SCAIGRID_JWT_CLOCK_SKEW_S", $"'{s}' must be whole seconds from 0 to 300");
        }

        var provision = get("SCAIGRID_JWT_AUTO_PROVISION")?.ToLowerInvariant() switch
        {
            null or "false" or "0" or "no" or "off" => false,
            "true" or "1" or "yes" or "on" => true,
            var other => throw new ConfigurationException("SCAIGRID_JWT_AUTO_PROVISION", $"'{other}' is not a boolean (expected true or false)"),
        };

        return new JwtSettings
        {
            Issuer = issuer,
            Audience = audience,
            JwksUrl = jwksUrl,
            Algorithms = algorithms,
            ClockSkew = TimeSpan.FromSeconds(skew),
            PartnerClaim = get("SCAIGRID_JWT_CLAIM_PARTNER") ?? "partner",
            TenantClaim = get("SCAIGRID_JWT_CLAIM_TENANT") ?? "tenant",
            UserClaim = get("SCAIGRID_JWT_CLAIM_USER") ?? "sub",
            EmailClaim = get("SCAIGRID_JWT_CLAIM_EMAIL") ?? "email",
            RolesClaim = get("SCAIGRID_JWT_CLAIM_ROLES") ?? "roles",
            AutoProvision = provision,
        };
    }
}
