using System.Globalization;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Observability.Metrics;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>
/// After authentication and routing, before the permission guard: applies to matched endpoints under a
/// configured path prefix (<c>SCAIGRID_RATE_LIMIT_PATHS</c>, default <c>/v1/inference</c> and <c>/oai/v1</c>)
/// or carrying <see cref="RateLimitedEndpoint"/> metadata. Requests without a caller pass through — the
/// guard answers them — and so do callers without any limit, at the cost of one dictionary lookup per scope.
/// </summary>
internal sealed class RateLimitingMiddleware(RequestDelegate next, RateLimiter limiter, RateLimitingOptions options, ScaiGridMetrics metrics)
{
    public const string LimitHeader = "X-RateLimit-Limit";
    public const string RemainingHeader = "X-RateLimit-Remaining";
    public const string ResetHeader = "X-RateLimit-Reset";

    public Task InvokeAsync(HttpContext context)
    {
        if (!Applies(context) || context.FindCaller() is not { } caller)
        {
            return next(context);
        }

        return LimitAsync(context, caller);
    }

    private async Task LimitAsync(HttpContext context, CallerContext caller)
    {
        var decision = await limiter.AcquireAsync(caller, context.RequestAborted).ConfigureAwait(false);
        if (decision is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        // OnStarting, not the headers now: the error writer clears the response before it writes a 429 or
        // any later error, and the headers must survive that.
        context.Response.OnStarting(static state =>
        {
            var (response, d) = ((HttpResponse, RateLimitDecision))state;
            response.Headers[LimitHeader] = d.Limit.ToString(CultureInfo.InvariantCulture);
            response.Headers[RemainingHeader] = d.Remaining.ToString(CultureInfo.InvariantCulture);
            response.Headers[ResetHeader] = d.ResetSeconds.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, (context.Response, decision));

        if (!decision.Allowed)
        {
            metrics.RateLimited(decision.ScopeType);
            var what = decision.Metric == RateLimitMetric.Requests ? "requests" : "tokens";
            throw new ScaiGridException(
                ErrorCodes.RateLimited,
                $"The {decision.ScopeType} rate limit of {decision.Limit} {what} per minute is reached; retry in {decision.ResetSeconds} s.",
                details: new Dictionary<string, object> { ["scope"] = decision.ScopeType, ["limit_type"] = decision.Metric == RateLimitMetric.Requests ? "rpm" : "tpm", ["limit"] = decision.Limit })
            {
                RetryAfterSeconds = decision.ResetSeconds,
            };
        }

        await next(context).ConfigureAwait(false);
    }

    private bool Applies(HttpContext context)
    {
        if (context.GetEndpoint() is not { } endpoint)
        {
            return false;
        }

        if (endpoint.Metadata.GetMetadata<RateLimitedEndpoint>() is not null)
        {
            return true;
        }

        var path = context.Request.Path;
        foreach (var prefix in options.PathPrefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Endpoint metadata: rate-limit this endpoint even outside the configured path prefixes.</summary>
public sealed record RateLimitedEndpoint;

/// <summary>Which requests the limiter applies to.</summary>
public sealed record RateLimitingOptions
{
    public static IReadOnlyList<string> DefaultPathPrefixes { get; } = ["/v1/inference", "/oai/v1"];

    /// <summary>Path prefixes matched by whole segments (<c>/oai/v1</c> matches <c>/oai/v1/chat/completions</c>).</summary>
    public IReadOnlyList<PathString> PathPrefixes { get; init; } = [.. DefaultPathPrefixes.Select(p => new PathString(p))];
}
