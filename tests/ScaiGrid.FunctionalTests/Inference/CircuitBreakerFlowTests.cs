using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Inference;

public sealed class CircuitBreakerFlowTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync(env =>
    {
        env["SCAIGRID_BREAKER_CONSECUTIVE_FAILURES"] = "2";
        env["SCAIGRID_BREAKER_COOLDOWN_S"] = "1";
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<string> ChatServedByAsync()
    {
        var body = new StringContent("""{"model":"test/failover","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("X-ScaiGrid-Backend").Single();
    }

    private async Task<string?> BreakerStateAsync(string backend)
    {
        var health = await _gateway.Client.GetFromJsonAsync<JsonElement>("/health");
        return health.GetProperty("checks").GetProperty("circuit_breakers").GetProperty("backends").GetProperty(backend).GetProperty("state").GetString();
    }

    [Fact]
    public async Task OpenBreaker_StopsTrafficToItsBackend_AndAHalfOpenProbeRestoresIt()
    {
        _gateway.Anthropic.Enqueue(FakeScenario.Fail(500), FakeScenario.Fail(500));
        Assert.Equal("openai-gpt", await ChatServedByAsync());
        Assert.Equal("openai-gpt", await ChatServedByAsync());
        Assert.Equal("open", await BreakerStateAsync("anthropic-claude"));

        Assert.Equal("openai-gpt", await ChatServedByAsync());
        Assert.Equal(2, _gateway.Anthropic.CallCount);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal("half_open", await BreakerStateAsync("anthropic-claude"));
        Assert.Equal("anthropic-claude", await ChatServedByAsync());
        Assert.Equal(3, _gateway.Anthropic.CallCount);
        Assert.Equal("closed", await BreakerStateAsync("anthropic-claude"));

        var health = await _gateway.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
