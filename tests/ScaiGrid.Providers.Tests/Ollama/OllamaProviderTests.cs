using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Ollama;
using ScaiGrid.Providers.Tests.Support;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Ollama;

public sealed class OllamaProviderTests : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new();
    private readonly FakeOllamaServer _fake = new();
    private OllamaProvider _provider = null!;

    public async Task InitializeAsync()
    {
        await _fake.StartAsync();
        _provider = new OllamaProvider(_executor);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _fake.DisposeAsync();
    }

    private ProviderTarget Target(string? key = null) => Requests.Target(ProviderTypes.Ollama, _fake.BaseUrl, "llama3.2:latest", key);

    [Fact]
    public async Task ChatAsync_Request_SaysStreamFalseBecauseOllamaStreamsByDefault()
    {
        var response = await _provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None);

        Assert.Equal("/api/chat", _fake.LastRequest.Path);
        Assert.False(_fake.LastRequest.Json.GetProperty("stream").GetBoolean());
        Assert.Null(_fake.LastRequest.Header("authorization"));
        Assert.Equal("Hello from the fake upstream.", response.Message.Text);
    }

    [Fact]
    public async Task ChatAsync_ThinkingModel_ReturnsReasoning()
    {
        _fake.ThinkingText = "Considering.";

        var response = await _provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None);

        Assert.Equal("Considering.", response.Message.ReasoningContent);
    }

    [Fact]
    public async Task ChatAsync_TargetWithKey_SendsBearer()
    {
        await _provider.ChatAsync(Target("ollama-cloud-key"), Requests.Simple(), CancellationToken.None);

        Assert.Equal("Bearer ollama-cloud-key", _fake.LastRequest.Header("authorization"));
    }

    [Fact]
    public async Task ChatAsync_ModelNotFound404_IsBadRequestNotRetryable()
    {
        _fake.Enqueue(FakeScenario.Fail(404, message: "model \"llama9\" not found, try pulling it first"));

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => _provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamBadRequest, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.False(details.Retryable);
        Assert.Equal("model \"llama9\" not found, try pulling it first", details.UpstreamMessage);
    }

    [Fact]
    public async Task StreamChatAsync_UpstreamDropsMidStream_ThrowsRetryableUpstreamError()
    {
        _fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.DropMidStream, Text = "one two three" });

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => Fixtures.CollectAsync(_provider.StreamChatAsync(Target(), Requests.Simple(), CancellationToken.None)));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task EmbedAsync_Request_UsesApiEmbedWithInputArray()
    {
        var response = await _provider.EmbedAsync(Target(), new() { Model = "f", Inputs = ["a", "b"] }, CancellationToken.None);

        Assert.Equal("/api/embed", _fake.LastRequest.Path);
        Assert.Equal(2, _fake.LastRequest.Json.GetProperty("input").GetArrayLength());
        Assert.Equal(2, response.Embeddings.Count);
        Assert.True(response.InputTokens > 0);
    }

    [Fact]
    public async Task ListModelsAsync_ReturnsTagNames()
    {
        _fake.Models = ["qwen3:8b", "nomic-embed-text:latest"];

        var models = await _provider.ListModelsAsync(Target(), CancellationToken.None);

        Assert.Equal(["qwen3:8b", "nomic-embed-text:latest"], models);
        Assert.Equal("/api/tags", _fake.LastRequest.Path);
    }
}
