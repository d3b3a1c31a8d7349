using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Core.Observability.Tracing;

namespace ScaiGrid.Core.Observability;

internal static class ObservabilityServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry for the HTTP host: the <c>ScaiGrid</c> meter exported for Prometheus at <c>/metrics</c>,
    /// and — only when <c>SCAIGRID_OTLP_ENDPOINT</c> is set — request and upstream spans exported over OTLP.
    /// With no exporter there is no tracer provider: ASP.NET Core's request activity (which exists anyway,
    /// for log scopes) is tagged but never sampled or exported, and upstream-attempt spans are not created.
    /// </summary>
    public static IServiceCollection AddScaiGridTelemetry(this IServiceCollection services, ScaiGridSettings settings)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("scaigrid", serviceVersion: typeof(ScaiGridMetrics).Assembly.GetName().Version?.ToString(3))
                .AddAttributes([new("scaigrid.mode", settings.Mode.ToString().ToLowerInvariant())]))
            .WithMetrics(m => m.AddMeter(ScaiGridMetrics.MeterName, "System.Runtime").AddPrometheusExporter(o =>
            {
                // A scrape must reflect the traffic before it, not a cached copy (the default caches 300 ms).
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        if (settings.OtlpEndpoint is { } endpoint)
        {
            otel.WithTracing(t => t
                .AddSource(ScaiGridTracing.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddOtlpExporter(o =>
                {
                    var http = settings.OtlpProtocol != "grpc";
                    o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    // Set in code, the HTTP exporter posts to the URL exactly as given (only the OTEL_* variable
                    // gets the signal path appended), so a bare collector address gets the standard path here.
                    o.Endpoint = http && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "v1/traces") : endpoint;
                }));
        }

        return services;
    }

    /// <summary><c>GET /metrics</c> in the Prometheus text format, anonymous (scrapers carry no ScaiGrid key; restrict it at nginx).</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return endpoints;
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
