using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Qwen;
using ScaiGrid.Providers.Tests.Support;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Qwen;

public sealed class QwenProviderTests : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new();
    private readonly FakeOpenAIServer _fake = new(FakeOpenAIFlavor.Qwen) { ExpectedApiKey = "test-secret-key", ReasoningText = "Thinking it over." };
    private QwenProvider _provider = null!;

    public async Task InitializeAsync()
    {
        await _fake.StartAsync();
        _provider = new QwenProvider(_executor);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _fake.DisposeAsync();
    }

    private ProviderTarget Target() => Requests.Target(ProviderTypes.Qwen, new Uri(_fake.BaseUrl, "compatible-mode/v1"), "qwen-plus");

    [Fact]
    public async Task StreamChatAsync_ReasoningContent_YieldsReasoningDeltasBeforeText()
    {
        _fake.Enqueue(new FakeScenario { Text = "Forty-two." });

        var events = await Fixtures.CollectAsync(_provider.StreamChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        Assert.Equal("/compatible-mode/v1/chat/completions", _fake.LastRequest.Path);
        Assert.Equal("Thinking it over.", string.Concat(events.OfType<ReasoningDelta>().Select(d => d.Text)));
        Assert.Equal("Forty-two.", string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
        Assert.True(events.FindIndex(e => e is ReasoningDelta) < events.FindIndex(e => e is TextDelta));
    }

    [Fact]
    public async Task ChatAsync_Request_UsesMaxTokensAndSeedAndReturnsReasoning()
    {
        var response = await _provider.ChatAsync(Target(), Requests.Full(stream: false), CancellationToken.None);

        var body = _fake.LastRequest.Json;
        Assert.Equal(256, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(42, body.GetProperty("seed").GetInt64());
        Assert.Equal("Thinking it over.", response.Message.ReasoningContent);
    }
}
