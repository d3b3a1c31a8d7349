using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Hosting;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Core.Observability;
using ScaiGrid.Core.Routing;
using ScaiGrid.Core.Storage;
using ScaiGrid.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Core.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>The model catalog, routing, dispatch with circuit breakers, providers and the inference pipeline.</summary>
    public static IServiceCollection AddInference(this IServiceCollection services, ScaiGridSettings settings)
    {
        services.AddSingleton(settings.Dispatch);
        services.AddSingleton(new UpstreamTimeouts { Connect = settings.Dispatch.ConnectTimeout, FirstByte = settings.Dispatch.FirstByteTimeout });
        services.AddScaiGridProviders();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<ICachedCatalog>(sp => sp.GetRequiredService<ModelCatalog>());
        services.AddSingleton<CircuitBreakerRegistry>();
        services.AddSingleton<IHealthContributor>(sp => sp.GetRequiredService<CircuitBreakerRegistry>());
        services.AddSingleton<RoutingService>();
        services.AddHttpContextAccessor();
        services.AddSingleton<DispatchService>();
        services.AddSingleton<ISettledUsageListener, UsageMetricsRecorder>();
        services.AddSingleton<SystemPromptRewriter>();
        services.AddSingleton<InferenceService>();
        return services;
    }
}
