using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Observability.Tracing;

namespace ScaiGrid.Core.Observability.Metrics;

/// <summary>
/// Times every request and records it by route pattern (never the raw path: ids in paths would explode
/// the series), sets <c>X-ScaiGrid-Overhead-Ms</c> as the response starts, and tags the request span.
/// It sits just inside the request-id step and outside error handling, so it sees the final status of
/// every request — including those refused by drain, authentication or the permission guard — and its
/// clock covers all of ScaiGrid's own work.
/// </summary>
internal sealed class RequestMetricsMiddleware(RequestDelegate next, ScaiGridMetrics metrics)
{
    public const string OverheadHeader = "X-ScaiGrid-Overhead-Ms";
    private const string Unmatched = "unmatched";

    public async Task InvokeAsync(HttpContext context)
    {
        var timing = new RequestTiming(Stopwatch.GetTimestamp());
        context.Features.Set(timing);
        Activity.Current?.SetTag(ScaiGridTracing.RequestIdTag, context.TraceIdentifier);
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            var overhead = ctx.Features.Get<RequestTiming>()!.OverheadNow();
            ctx.Response.Headers[OverheadHeader] = overhead.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, context);

        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? Unmatched;
            metrics.RequestCompleted(route, context.Request.Method, context.Response.StatusCode, timing.Elapsed.TotalSeconds);
            metrics.Overhead(route, timing.OverheadNow().TotalSeconds);
            if (Activity.Current is { } activity && context.FindCaller() is { } caller)
            {
                activity.SetTag(ScaiGridTracing.TenantIdTag, caller.TenantId);
            }
        }
    }
}
