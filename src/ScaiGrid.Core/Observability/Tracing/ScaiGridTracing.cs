using System.Diagnostics;

namespace ScaiGrid.Core.Observability.Tracing;

/// <summary>
/// The <c>ScaiGrid</c> activity source and its tag names. Request spans come from ASP.NET Core's own
/// instrumentation (tagged by the metrics middleware); the dispatcher opens one span per upstream attempt.
/// </summary>
public static class ScaiGridTracing
{
    public const string SourceName = "ScaiGrid";
    public const string RequestIdTag = "scaigrid.request_id";
    public const string TenantIdTag = "scaigrid.tenant_id";
    public const string ProviderTag = "scaigrid.provider";
    public const string BackendTag = "scaigrid.backend";
    public const string AttemptTag = "scaigrid.attempt";

    public static ActivitySource Source { get; } = new(SourceName, typeof(ScaiGridTracing).Assembly.GetName().Version?.ToString(3));

    /// <summary>
    /// Starts a client span for one upstream attempt (1-based), a child of the current request span.
    /// Null when nobody listens (no exporter configured): callers use <c>using var span = …</c> and <c>span?.…</c>.
    /// </summary>
    public static Activity? StartUpstreamAttempt(string provider, string backend, int attempt)
    {
        var activity = Source.StartActivity("scaigrid.upstream", ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(ProviderTag, provider);
        activity.SetTag(BackendTag, backend);
        activity.SetTag(AttemptTag, attempt);
        if (activity.Parent?.GetTagItem(RequestIdTag) is { } requestId)
        {
            activity.SetTag(RequestIdTag, requestId);
        }

        return activity;
    }
}
