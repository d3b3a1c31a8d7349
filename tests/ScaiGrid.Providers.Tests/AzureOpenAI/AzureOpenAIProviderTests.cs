using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.AzureOpenAI;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Support;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.AzureOpenAI;

public sealed class AzureOpenAIProviderTests : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new();
    private readonly FakeOpenAIServer _fake = new() { ExpectedApiKey = "azure-key-123" };
    private AzureOpenAIProvider _provider = null!;

    public async Task InitializeAsync()
    {
        await _fake.StartAsync();
        _provider = new AzureOpenAIProvider(_executor);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _fake.DisposeAsync();
    }

    private ProviderTarget Target(IReadOnlyDictionary<string, string>? settings = null) =>
        Requests.Target(ProviderTypes.AzureOpenAI, _fake.BaseUrl, "prod gpt-4o", "azure-key-123", settings);

    [Fact]
    public async Task ChatAsync_Request_UsesDeploymentPathDefaultApiVersionAndApiKeyHeader()
    {
        await _provider.ChatAsync(Target(), Requests.Full(stream: false), CancellationToken.None);

        var request = _fake.LastRequest;
        Assert.Equal("/openai/deployments/prod gpt-4o/chat/completions", request.Path);
        Assert.Equal("?api-version=2024-10-21", request.Query);
        Assert.Equal("azure-key-123", request.Header("api-key"));
        Assert.Null(request.Header("authorization"));
        Assert.Equal(256, request.Json.GetProperty("max_completion_tokens").GetInt32());
    }

    [Fact]
    public void DeploymentEndpoint_DeploymentWithSpace_IsEscaped()
    {
        var uri = AzureOpenAIProvider.DeploymentEndpoint(Target(), "chat/completions");

        Assert.EndsWith("/openai/deployments/prod%20gpt-4o/chat/completions?api-version=2024-10-21", uri.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatAsync_ApiVersionSetting_OverridesTheDefault()
    {
        await _provider.ChatAsync(Target(new Dictionary<string, string> { ["api_version"] = "2025-01-01-preview" }), Requests.Simple(), CancellationToken.None);

        Assert.Equal("?api-version=2025-01-01-preview", _fake.LastRequest.Query);
    }

    [Fact]
    public async Task StreamChatAsync_Request_SendsStreamOptionsAndSkipsPromptFilterChunk()
    {
        var events = await Fixtures.CollectAsync(_provider.StreamChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        Assert.True(_fake.LastRequest.Json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        var started = Assert.IsType<StreamStarted>(events[0]);
        Assert.StartsWith("chatcmpl-", started.UpstreamResponseId, StringComparison.Ordinal);
        Assert.Single(events.OfType<UsageUpdate>());
    }

    [Fact]
    public async Task EmbedAsync_UsesTheDeploymentEmbeddingsPath()
    {
        var response = await _provider.EmbedAsync(Target(), new() { Model = "f", Inputs = ["x"] }, CancellationToken.None);

        Assert.Equal("/openai/deployments/prod gpt-4o/embeddings", _fake.LastRequest.Path);
        Assert.Single(response.Embeddings);
    }

    [Fact]
    public async Task ChatAsync_ContentFilterError_IsContentFiltered()
    {
        _fake.Enqueue(FakeScenario.Fail(400, code: "content_filter", message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."));

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => _provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        Assert.Equal(ErrorCodes.ContentFiltered, ex.Code);
        Assert.Equal("content_filter", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamCode);
    }

    [Fact]
    public void Provider_DoesNotClaimModelListing()
    {
        Assert.DoesNotContain(typeof(IModelLister), typeof(AzureOpenAIProvider).GetInterfaces());
    }
}
