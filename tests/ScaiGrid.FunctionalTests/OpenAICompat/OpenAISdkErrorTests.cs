using System.ClientModel;
using OpenAI.Chat;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>
/// Upstream failures as the OpenAI SDK sees them. One attempt per request and a breaker that opens on the
/// first failure make each class reachable with a single-backend model: 429, 500, then 503 (circuit open).
/// </summary>
public sealed class OpenAISdkErrorTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync(env =>
    {
        env["SCAIGRID_DISPATCH_MAX_ATTEMPTS"] = "1";
        env["SCAIGRID_BREAKER_CONSECUTIVE_FAILURES"] = "1";
        env["SCAIGRID_BREAKER_COOLDOWN_S"] = "300";
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> Backends => new() { "test/openai", "test/anthropic", "test/gemini" };

    private FakeUpstreamServer FakeFor(string model) => model switch
    {
        "test/openai" => _gateway.OpenAI,
        "test/anthropic" => _gateway.Anthropic,
        _ => _gateway.Gemini,
    };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task UpstreamRateLimit_EveryBackend_Is429WithRetryAfter(string model)
    {
        FakeFor(model).Enqueue(FakeScenario.Fail(429, retryAfter: 30));
        var client = OpenAISdk.Chat(_gateway.Server, model);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(429, ex.Status);
        var error = OpenAISdk.ErrorOf(ex);
        Assert.Equal("UPSTREAM_RATE_LIMITED", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("30", OpenAISdk.Header(ex, "Retry-After"));
        Assert.False(string.IsNullOrEmpty(OpenAISdk.Header(ex, "X-Request-ID")));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task UpstreamFails_Is500_ThenOpenCircuit_Is503WithRetryAfter(string model)
    {
        FakeFor(model).Enqueue(FakeScenario.Fail(500));
        var client = OpenAISdk.Chat(_gateway.Server, model);

        var failed = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")]));
        var down = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")]));

        // UPSTREAM_ERROR is 502 natively; OpenAI's table has no 502, so the dialect answers 500.
        Assert.Equal(500, failed.Status);
        Assert.Equal("UPSTREAM_ERROR", OpenAISdk.ErrorOf(failed).GetProperty("code").GetString());
        Assert.Equal("server_error", OpenAISdk.ErrorOf(failed).GetProperty("type").GetString());
        Assert.DoesNotContain(GatewayWithFakes.UpstreamKey, failed.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal(503, down.Status);
        Assert.Equal("BACKEND_UNAVAILABLE", OpenAISdk.ErrorOf(down).GetProperty("code").GetString());
        Assert.Equal("server_error", OpenAISdk.ErrorOf(down).GetProperty("type").GetString());
        Assert.NotNull(OpenAISdk.Header(down, "Retry-After"));
        Assert.Equal(1, FakeFor(model).CallCount);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task UpstreamFailsWhileStreamOpens_EveryBackend_IsAnOrdinary500(string model)
    {
        FakeFor(model).Enqueue(FakeScenario.Fail(500));
        var client = OpenAISdk.Chat(_gateway.Server, model);

        var ex = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
            {
                Assert.Fail("no update expected before the failure");
            }
        });

        Assert.Equal(500, ex.Status);
        Assert.Equal("UPSTREAM_ERROR", OpenAISdk.ErrorOf(ex).GetProperty("code").GetString());
    }
}
