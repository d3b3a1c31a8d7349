using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;

namespace ScaiGrid.Core.Observability;

/// <summary>One dependency's health: whether it keeps the process from being ready, and what to show.</summary>
public sealed record HealthCheckResult(bool Up, IReadOnlyDictionary<string, object?> Details);

/// <summary>A dependency /health reports on. Features add their own (circuit breakers, queues…).</summary>
public interface IHealthContributor
{
    string Name { get; }

    /// <summary>False for informational sections that never make the process not-ready.</summary>
    bool AffectsReadiness => true;

    Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken);
}

public static class HealthEndpoints
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary><c>GET /health</c>: every dependency as JSON, 200 when ready and 503 when not; <c>GET /health/live</c>: the process answers.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health/live", () => TypedResults.Json(new Dictionary<string, string> { ["status"] = "alive" })).AllowAnonymous();
        endpoints.MapGet("/health", async (HttpContext context, IEnumerable<IHealthContributor> contributors, ScaiGridSettings settings) =>
        {
            var list = contributors.ToList();
            var results = await Task.WhenAll(list.Select(c => RunAsync(c, context.RequestAborted))).ConfigureAwait(false);
            var ready = list.Zip(results).All(p => !p.First.AffectsReadiness || p.Second.Up);
            var checks = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < list.Count; i++)
            {
                var details = new Dictionary<string, object?>(results[i].Details) { ["status"] = results[i].Up ? "up" : "down" };
                checks[list[i].Name] = details;
            }

            var body = new Dictionary<string, object?>
            {
                ["status"] = ready ? "ready" : "not_ready",
                ["version"] = typeof(HealthEndpoints).Assembly.GetName().Version?.ToString(3),
                ["mode"] = settings.Mode.ToString().ToLowerInvariant(),
                ["checks"] = checks,
            };
            return TypedResults.Json(body, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
        return endpoints;
    }

    public static IServiceCollection AddCoreHealthContributors(this IServiceCollection services)
    {
        services.AddSingleton<IHealthContributor, DatabaseHealth>();
        services.AddSingleton<IHealthContributor, MigrationsHealth>();
        services.AddSingleton<IHealthContributor, StateStoreHealth>();
        return services;
    }

    private static async Task<HealthCheckResult> RunAsync(IHealthContributor contributor, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            return await contributor.CheckAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var message = ex is OperationCanceledException ? "timed out" : ex.Message;
            return new HealthCheckResult(false, new Dictionary<string, object?> { ["error"] = message });
        }
    }

    private sealed class DatabaseHealth(ScaiGridDatabase database) : IHealthContributor
    {
        public string Name => "database";

        public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            await database.PingAsync(cancellationToken).ConfigureAwait(false);
            return new HealthCheckResult(true, new Dictionary<string, object?>
            {
                ["engine"] = database.Engine.ToString().ToLowerInvariant(),
                ["latency_ms"] = Math.Round(watch.Elapsed.TotalMilliseconds, 2),
            });
        }
    }

    private sealed class MigrationsHealth(SchemaMigrator migrator, ModuleRuntime modules) : IHealthContributor
    {
        public string Name => "migrations";

        public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
        {
            var statuses = await migrator.GetStatusAsync(modules.Streams, cancellationToken).ConfigureAwait(false);
            var streams = statuses.ToDictionary(s => s.StreamId, s => (object?)new Dictionary<string, object?>
            {
                ["applied"] = s.Applied,
                ["latest"] = s.Latest,
                ["pending"] = s.Pending,
            });
            return new HealthCheckResult(statuses.All(s => s.Current), new Dictionary<string, object?> { ["streams"] = streams });
        }
    }

    private sealed class StateStoreHealth(IStateStore state) : IHealthContributor
    {
        public string Name => state.Kind == "redis" ? "redis" : "state";

        public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            await state.PingAsync(cancellationToken).ConfigureAwait(false);
            return new HealthCheckResult(true, new Dictionary<string, object?>
            {
                ["kind"] = state.Kind,
                ["latency_ms"] = Math.Round(watch.Elapsed.TotalMilliseconds, 2),
            });
        }
    }
}
