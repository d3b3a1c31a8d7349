using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>/metrics in Prometheus text: request series by route pattern, overhead header, every named series.</summary>
[Collection(ProcessWideMetricsCollection.Name)]
public sealed partial class MetricsTests : IAsyncLifetime
{
    private ScaiGridServer _server = null!;

    public async Task InitializeAsync()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = "sample";
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        _server = await ScaiGridServer.StartAsync(env, new ModuleCatalog([new SampleModule()]));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Recording happens after the response is sent, so a scrape right after may race it: poll, bounded.</summary>
    private async Task<string> ScrapeUntilAsync(Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await _server.Client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The value of the first sample of <paramref name="name"/> carrying every one of <paramref name="labels"/>
    /// (in any order: the exporter puts its own scope labels first), or null when there is none.
    /// </summary>
    private static double? Sample(string text, string name, params string[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                var close = line.LastIndexOf('}');
                var labelPart = close < 0 ? string.Empty : line[..close];
                if (labels.All(l => labelPart.Contains(l, StringComparison.Ordinal)))
                {
                    return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }

        return null;
    }

    [Fact]
    public async Task Metrics_AfterTraffic_CountRequestsByRoutePatternAndStatus()
    {
        await _server.Client.PostAsync("/v1/modules/sample/notes/first", null);
        await _server.Client.PostAsync("/v1/modules/sample/notes/second", null);
        await _server.Client.GetAsync("/nope/at/all");

        string[] created = ["method=\"POST\"", "route=\"/v1/modules/sample/notes/{text}\"", "status=\"201\""];
        string[] missing = ["method=\"GET\"", "route=\"unmatched\"", "status=\"404\""];
        var text = await ScrapeUntilAsync(t => Sample(t, "scaigrid_requests_total", created) >= 2 && Sample(t, "scaigrid_requests_total", missing) >= 1);

        Assert.True(Sample(text, "scaigrid_requests_total", created) >= 2, text);
        Assert.True(Sample(text, "scaigrid_requests_total", missing) >= 1, text);
        Assert.DoesNotContain("notes/first", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/nope/at/all", text, StringComparison.Ordinal);
        Assert.True(Sample(text, "scaigrid_request_duration_seconds_count", created) >= 2, text);
        Assert.True(Sample(text, "scaigrid_gateway_overhead_seconds_count", "route=\"/v1/modules/sample/notes/{text}\"") >= 2, text);
        Assert.Contains("# TYPE scaigrid_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE scaigrid_request_duration_seconds histogram", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverheadHeader_OnNormalAndErrorResponses_IsNonNegativeMilliseconds()
    {
        using var ok = await _server.Client.GetAsync("/v1/modules/sample/hello");
        using var missing = await _server.Client.GetAsync("/nope");

        foreach (var response in new[] { ok, missing })
        {
            var value = Assert.Single(response.Headers.GetValues("X-ScaiGrid-Overhead-Ms"));
            Assert.Matches(OverheadFormat(), value);
            var ms = double.Parse(value, CultureInfo.InvariantCulture);
            Assert.InRange(ms, 0, 10_000);
        }
    }

    [Fact]
    public async Task Metrics_IsAnonymous_EvenWithAuthentication()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        await using var server = await ScaiGridServer.StartAsync(env);

        using var response = await server.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_CarryTheRuntimeSeries_ForSizingMemory()
    {
        using var response = await _server.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Matches("(?m)^dotnet_gc_heap_total_allocated_bytes_total(\\{[^}]*\\})? [1-9]", text);
        Assert.Matches("(?m)^dotnet_process_memory_working_set_bytes(\\{[^}]*\\})? [1-9]", text);
        Assert.Matches("(?m)^dotnet_thread_pool_queue_length_total(\\{[^}]*\\})? [0-9]", text);
    }

    [Fact]
    public async Task TypedMethods_ProduceTheDocumentedSeries()
    {
        var metrics = _server.Services.GetRequiredService<ScaiGridMetrics>();
        metrics.UpstreamCompleted("openai", "openai-eu", "success", 0.42);
        metrics.UpstreamError("openai", "openai-eu", "UPSTREAM_TIMEOUT");
        metrics.TimeToFirstToken("anthropic", "claude-direct", 0.3);
        metrics.Tokens("gpt-4o", "input", 120);
        metrics.Tokens("gpt-4o", "output", 30);
        metrics.Cost("gpt-4o", 1_500_000);
        metrics.BudgetRejected("tenant");
        metrics.RateLimited("key");
        metrics.CircuitState("openai-eu", CircuitBreakerState.Open);
        metrics.StreamStarted();
        metrics.StreamStarted();
        metrics.StreamEnded();

        var expected = new (string Name, string[] Labels)[]
        {
            ("scaigrid_upstream_duration_seconds_count", ["backend=\"openai-eu\"", "outcome=\"success\"", "provider=\"openai\""]),
            ("scaigrid_upstream_errors_total", ["backend=\"openai-eu\"", "code=\"UPSTREAM_TIMEOUT\"", "provider=\"openai\""]),
            ("scaigrid_time_to_first_token_seconds_count", ["backend=\"claude-direct\"", "provider=\"anthropic\""]),
            ("scaigrid_tokens_total", ["direction=\"input\"", "model=\"gpt-4o\""]),
            ("scaigrid_tokens_total", ["direction=\"output\"", "model=\"gpt-4o\""]),
            ("scaigrid_cost_nano_usd_total", ["model=\"gpt-4o\""]),
            ("scaigrid_budget_rejections_total", ["scope=\"tenant\""]),
            ("scaigrid_rate_limit_rejections_total", ["scope=\"key\""]),
            ("scaigrid_circuit_state", ["backend=\"openai-eu\""]),
            ("scaigrid_streams_active", []),
        };
        var text = await ScrapeUntilAsync(t => expected.All(e => Sample(t, e.Name, e.Labels) is not null));

        foreach (var (name, labels) in expected)
        {
            Assert.True(Sample(text, name, labels) is not null, $"{name} {string.Join(",", labels)} missing from:\n{text}");
        }

        Assert.Equal(120, Sample(text, "scaigrid_tokens_total", "direction=\"input\"", "model=\"gpt-4o\""));
        Assert.Equal(30, Sample(text, "scaigrid_tokens_total", "direction=\"output\"", "model=\"gpt-4o\""));
        Assert.Equal(1_500_000, Sample(text, "scaigrid_cost_nano_usd_total", "model=\"gpt-4o\""));
        Assert.Equal(2, Sample(text, "scaigrid_circuit_state", "backend=\"openai-eu\""));
        Assert.Equal(1, Sample(text, "scaigrid_streams_active"));
        Assert.Equal(1, Sample(text, "scaigrid_upstream_errors_total", "code=\"UPSTREAM_TIMEOUT\""));
    }

    [GeneratedRegex("^\\d+\\.\\d{3}$")]
    private static partial Regex OverheadFormat();
}
