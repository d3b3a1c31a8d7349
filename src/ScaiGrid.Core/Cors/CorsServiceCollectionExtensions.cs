using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Configuration;

namespace ScaiGrid.Core.Cors;

/// <summary>
/// One default CORS policy from <c>SCAIGRID_CORS_*</c>. It is registered even when no origin is allowed:
/// ASP.NET's CORS middleware then still answers every preflight itself (204 without allow headers, which
/// the browser reads as "denied") instead of letting it reach authentication and come back 401.
/// </summary>
internal static class CorsServiceCollectionExtensions
{
    /// <summary>Headers a browser script may read: the request id, the overhead, and the rate-limit state.</summary>
    public static IReadOnlyList<string> ExposedHeaders { get; } =
    [
        "X-Request-ID",
        "X-ScaiGrid-Overhead-Ms",
        "Retry-After",
        "X-RateLimit-Limit-Requests",
        "X-RateLimit-Remaining-Requests",
        "X-RateLimit-Reset-Requests",
        "X-RateLimit-Limit-Tokens",
        "X-RateLimit-Remaining-Tokens",
        "X-RateLimit-Reset-Tokens",
    ];

    public static IServiceCollection AddScaiGridCors(this IServiceCollection services, ScaiGridSettings settings)
    {
        services.AddCors(options => options.AddDefaultPolicy(BuildPolicy(settings)));
        return services;
    }

    internal static CorsPolicy BuildPolicy(ScaiGridSettings settings)
    {
        var builder = new CorsPolicyBuilder()
            .WithMethods([.. settings.CorsMethods])
            .WithHeaders([.. settings.CorsHeaders])
            .WithExposedHeaders([.. ExposedHeaders])
            .SetPreflightMaxAge(settings.CorsMaxAge);
        if (settings.CorsOrigins.Contains("*"))
        {
            builder.AllowAnyOrigin();
        }
        else
        {
            builder.WithOrigins([.. settings.CorsOrigins]);
        }

        if (settings.CorsCredentials)
        {
            builder.AllowCredentials();
        }

        return builder.Build();
    }
}
