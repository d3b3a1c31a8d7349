using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Observability;

namespace ScaiGrid.Core.Draining;

internal static class DrainEndpoints
{
    /// <summary><c>POST /v1/admin/drain</c>: the same drain as SIGTERM, for platform admins (e.g. before maintenance).</summary>
    public static IEndpointRouteBuilder MapDrainApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/admin/drain", (HttpContext context, DrainState drain, ScaiGridSettings settings) =>
        {
            // admin:access is also held by partner and tenant admins; stopping a shared replica is the platform's call.
            if (!context.GetCaller().Roles.Contains(Roles.PlatformAdmin))
            {
                throw new ScaiGridException(ErrorCodes.PermissionDenied, "Only a platform admin may drain a replica.");
            }

            var started = drain.Begin("admin");
            return TypedResults.Json(
                new Dictionary<string, object>
                {
                    ["draining"] = true,
                    ["already_draining"] = !started,
                    // This request itself is still counted.
                    ["in_flight"] = drain.InFlight,
                    ["grace_s"] = (int)settings.DrainGrace.TotalSeconds,
                },
                statusCode: StatusCodes.Status202Accepted);
        }).RequirePermission(Permissions.AdminAccess);
        return endpoints;
    }

    /// <summary>The drain state, its coordinator, its health section, and the signal handling that starts it.</summary>
    public static IServiceCollection AddDraining(this IServiceCollection services)
    {
        services.AddSingleton<DrainState>();
        services.AddHostedService<DrainCoordinator>();
        services.AddSingleton<IHealthContributor, DrainHealth>();
        services.Replace(ServiceDescriptor.Singleton<IHostLifetime, DrainingHostLifetime>());
        // After a drain (or past its grace) Kestrel gets a few seconds for what is left, then aborts it.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return services;
    }

    private sealed class DrainHealth(DrainState drain) : IHealthContributor
    {
        public string Name => "drain";

        public Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new HealthCheckResult(!drain.IsDraining, new Dictionary<string, object?>
            {
                ["draining"] = drain.IsDraining,
                ["in_flight"] = drain.InFlight,
            }));
    }
}
