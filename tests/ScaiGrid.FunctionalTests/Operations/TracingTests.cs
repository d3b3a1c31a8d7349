using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Core.Observability.Tracing;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>Request spans carry the request id and tenant; upstream-attempt spans are children of them.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Request_ProducesSpanWithRequestIdAndTenant()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or ScaiGridTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        await using var server = await ScaiGridServer.StartAsync(env);
        var requestId = "trace-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("X-Request-ID", requestId);

        using var response = await server.Client.SendAsync(request);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        Activity? span = null;
        while (span is null && DateTime.UtcNow < deadline)
        {
            span = stopped.FirstOrDefault(a => Equals(a.GetTagItem(ScaiGridTracing.RequestIdTag), requestId));
            await Task.Delay(20);
        }

        Assert.NotNull(span);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(DefaultTenancy.TenantId, span.GetTagItem(ScaiGridTracing.TenantIdTag));
    }

    [Fact]
    public void StartUpstreamAttempt_IsAChildSpanWithProviderBackendAttemptAndRequestId()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ScaiGridTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var parent = new Activity("request").SetTag(ScaiGridTracing.RequestIdTag, "req_parent").Start();

        using var attempt = ScaiGridTracing.StartUpstreamAttempt("openai", "openai-eu", 2);

        Assert.NotNull(attempt);
        Assert.Equal(parent.TraceId, attempt.TraceId);
        Assert.Equal(parent.SpanId, attempt.ParentSpanId);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.Equal("openai", attempt.GetTagItem(ScaiGridTracing.ProviderTag));
        Assert.Equal("openai-eu", attempt.GetTagItem(ScaiGridTracing.BackendTag));
        Assert.Equal(2, attempt.GetTagItem(ScaiGridTracing.AttemptTag));
        Assert.Equal("req_parent", attempt.GetTagItem(ScaiGridTracing.RequestIdTag));
    }
}
