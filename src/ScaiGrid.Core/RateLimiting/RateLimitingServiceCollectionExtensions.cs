using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Storage;
using StackExchange.Redis;

namespace ScaiGrid.Core.RateLimiting;

public static class RateLimitingServiceCollectionExtensions
{
    /// <summary>
    /// The limit catalog and its refresher, the counter store (Redis when <c>SCAIGRID_REDIS_URL</c> is set,
    /// so replicas share one limit; in-process otherwise) and the <see cref="RateLimiter"/>.
    /// Call after the config-file step is registered so the first load sees the applied limits.
    /// </summary>
    public static IServiceCollection AddRateLimiting(this IServiceCollection services, ScaiGridSettings settings)
    {
        services.AddSingleton(new RateLimitingOptions { PathPrefixes = [.. settings.RateLimitPaths.Select(p => new PathString(p))] });
        services.AddSingleton<RateLimitCatalog>();
        services.AddSingleton<ICachedCatalog>(sp => sp.GetRequiredService<RateLimitCatalog>());
        services.AddSingleton<ISettledUsageListener, RateLimitTokenRecorder>();
        if (settings.RedisConfiguration is not null)
        {
            services.AddSingleton<IRateLimitCounterStore>(sp => new RedisRateLimitCounterStore(sp.GetRequiredService<IConnectionMultiplexer>()));
        }
        else
        {
            services.AddSingleton<IRateLimitCounterStore, InMemoryRateLimitCounterStore>();
        }

        services.AddSingleton<RateLimiter>();
        return services;
    }

    /// <summary>Place after <c>UseRouting()</c> (it reads endpoint metadata) and before the permission guard.</summary>
    public static IApplicationBuilder UseRateLimiting(this IApplicationBuilder app) => app.UseMiddleware<RateLimitingMiddleware>();

    /// <summary>Rate-limits an endpoint outside the configured path prefixes.</summary>
    public static TBuilder RequireRateLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(new RateLimitedEndpoint()));
        return builder;
    }
}
