using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Hosting;

/// <summary>
/// The <c>grpc</c> runtime mode: cleartext HTTP/2 on its own port (50051). The ScaiInfer services come
/// later; for now it serves the standard <c>grpc.health.v1.Health</c> service backed by the database.
/// </summary>
public static class GrpcHost
{
    public static WebApplication Build(ScaiGridSettings settings, ModuleRuntime modules, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls(settings.GrpcUrls);
        // Kestrel serves h2c only on a port dedicated to HTTP/2 (no TLS to negotiate it with ALPN).
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http2));
        builder.Logging.AddScaiGridLogging(settings);
        builder.Services.AddScaiGridCore(settings, modules);
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGrpcHealthChecksService();
        return app;
    }

    internal sealed class DatabaseHealthCheck(ScaiGridDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await database.PingAsync(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        }
    }
}
