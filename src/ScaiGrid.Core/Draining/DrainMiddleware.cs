using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Core.Draining;

/// <summary>
/// Counts requests in flight and, once draining, refuses new ones with 503 <c>SERVICE_DRAINING</c> so the
/// load balancer retries them on another replica. Probes (<c>/health</c>, <c>/metrics</c>) still answer
/// while draining, uncounted: the orchestrator must see the replica turn not-ready.
/// </summary>
internal sealed class DrainMiddleware(RequestDelegate next, DrainState drain)
{
    private const int RetryAfterSeconds = 1;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!drain.TryEnter())
        {
            if (IsProbe(context.Request.Path))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            // The error writer clears headers, so Connection: close is added as the response starts:
            // a keep-alive client (or nginx upstream pool) then reconnects instead of reusing this replica.
            context.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.Connection = "close";
                return Task.CompletedTask;
            }, context.Response);
            throw new ScaiGridException(ErrorCodes.ServiceDraining, "This replica is shutting down; retry the request.") { RetryAfterSeconds = RetryAfterSeconds };
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            drain.Exit();
        }
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
