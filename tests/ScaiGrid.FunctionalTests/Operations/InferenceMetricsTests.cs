using System.Net;
using System.Text;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>After real inference traffic, /metrics carries the upstream, token, cost, stream and breaker series with sensible labels.</summary>
[Collection(ProcessWideMetricsCollection.Name)]
public sealed class InferenceMetricsTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static StringContent Chat(string model, bool stream) =>
        new($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Metrics_AfterChatsAndAFailover_ShowUpstreamTokensCostStreamsAndCircuits()
    {
        _gateway.Anthropic.Enqueue(FakeScenario.Fail(503));
        var plain = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/openai", stream: false));
        var failover = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/failover", stream: false));
        var streamed = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/openai", stream: true));
        await streamed.Content.ReadAsStringAsync();
        await Task.Delay(300);

        var text = await _gateway.Client.GetStringAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, failover.StatusCode);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.True(double.Parse(plain.Headers.GetValues("X-ScaiGrid-Overhead-Ms").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Matches("scaigrid_upstream_duration_seconds_count\\{[^}]*backend=\"openai-gpt\"[^}]*\\} [1-9]", text);
        Assert.Matches("scaigrid_upstream_errors_total\\{[^}]*backend=\"anthropic-claude\"[^}]*code=\"UPSTREAM_ERROR\"[^}]*\\} 1", text);
        Assert.Matches("scaigrid_tokens_total\\{[^}]*direction=\"output\"[^}]*model=\"test/openai\"[^}]*\\} 14", text);
        Assert.Matches("scaigrid_cost_nano_usd_total\\{[^}]*model=\"test/openai\"[^}]*\\} 12000", text);
        Assert.Matches("scaigrid_time_to_first_token_seconds_count\\{[^}]*backend=\"openai-gpt\"[^}]*\\} 1", text);
        Assert.Matches("scaigrid_circuit_state\\{[^}]*backend=\"anthropic-claude\"[^}]*\\} 0", text);
        Assert.Matches("scaigrid_streams_active(\\{[^}]*\\})? 0", text);
        Assert.Matches("scaigrid_requests_total\\{[^}]*route=\"/v1/inference/chat\"[^}]*status=\"200\"[^}]*\\} [3-9]", text);
    }
}
