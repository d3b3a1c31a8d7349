using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScaiGrid.Core.Admin;
using ScaiGrid.Core.Accounting.UsageApi;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Cors;
using ScaiGrid.Core.Draining;
using ScaiGrid.Core.Errors;
using ScaiGrid.Core.Inference;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Observability;
using ScaiGrid.Core.OpenAICompat;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.RequestIds;

namespace ScaiGrid.Core.Hosting;

/// <summary>Builds the <c>http</c> runtime mode: Kestrel, the middleware chain, and every API surface.</summary>
public static class HttpHost
{
    /// <param name="configure">Lets tests add services or listen elsewhere before the app is built.</param>
    public static WebApplication Build(ScaiGridSettings settings, ModuleRuntime modules, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls(settings.HttpUrls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
        });
        builder.Logging.AddScaiGridLogging(settings);
        builder.Services.AddScaiGridCore(settings, modules);
        builder.Services.AddRouting();
        builder.Services.AddDraining();
        builder.Services.AddScaiGridCors(settings);
        builder.Services.AddScaiGridTelemetry(settings);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseMiddleware<DrainMiddleware>();
        app.UseCors();
        app.UseMiddleware<AuthenticationMiddleware>();
        app.UseRouting();
        app.UseRateLimiting();
        app.UseMiddleware<PermissionGuardMiddleware>();
        app.MapHealthApi();
        app.MapInferenceApi();
        app.MapAdminApi();
        app.MapOpenAICompatApi();
        app.MapMetricsApi();
        app.MapDrainApi();
        app.MapUsageApi();
        modules.MapEndpoints(app);
        return app;
    }

    /// <summary>Runs the start-up tasks, then serves until shutdown.</summary>
    public static async Task RunAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await StartupTasks.RunAsync(app.Services, cancellationToken).ConfigureAwait(false);
        await app.RunAsync().ConfigureAwait(false);
    }
}
