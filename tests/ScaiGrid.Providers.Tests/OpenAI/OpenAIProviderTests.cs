using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.Tests.Support;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.OpenAI;

/// <summary>The OpenAI provider over real HTTP against the fake: what goes on the wire and how the call behaves.</summary>
public sealed class OpenAIProviderTests : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new(new UpstreamTimeouts { FirstByte = TimeSpan.FromSeconds(5) });
    private readonly FakeOpenAIServer _fake = new() { ExpectedApiKey = "test-secret-key" };
    private OpenAIProvider _provider = null!;

    public async Task InitializeAsync()
    {
        await _fake.StartAsync();
        _provider = new OpenAIProvider(_executor);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _fake.DisposeAsync();
    }

    private ProviderTarget Target(string key = "test-secret-key", IReadOnlyDictionary<string, string>? settings = null) =>
        Requests.Target(ProviderTypes.OpenAI, new Uri(_fake.BaseUrl, "v1"), "gpt-4o-mini", key, settings);

    [Fact]
    public async Task ChatAsync_OrganizationSettings_SendsBearerOrganizationAndProjectHeaders()
    {
        var target = Target(settings: new Dictionary<string, string> { ["organization"] = "org-123", ["project"] = "proj_456" });

        await _provider.ChatAsync(target, Requests.Simple(), CancellationToken.None);

        var request = _fake.LastRequest;
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer test-secret-key", request.Header("authorization"));
        Assert.Equal("org-123", request.Header("openai-organization"));
        Assert.Equal("proj_456", request.Header("openai-project"));
        Assert.StartsWith("application/json", request.Header("content-type"), StringComparison.Ordinal);
        Assert.False(request.Json.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task StreamChatAsync_Request_AsksForUsageWithStreamOptions()
    {
        await Fixtures.CollectAsync(_provider.StreamChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        var body = _fake.LastRequest.Json;
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("text/event-stream", _fake.LastRequest.Header("accept"));
    }

    [Fact]
    public async Task ChatAsync_CachedAndReasoningUsage_AreReported()
    {
        _fake.CachedTokens = 8;
        _fake.ReasoningTokens = 3;
        _fake.Enqueue(new FakeScenario { InputTokens = 20, OutputTokens = 10 });

        var response = await _provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None);

        Assert.Equal(new Usage { InputTokens = 20, OutputTokens = 10, CachedInputTokens = 8, ReasoningTokens = 3 }, response.Usage);
        Assert.StartsWith("chatcmpl-", response.UpstreamResponseId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatAsync_WrongKey_IsAuthFailedWithoutTheKeyAnywhere()
    {
        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => _provider.ChatAsync(Target("sk-wrong-key-9876543210"), Requests.Simple(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamAuthFailed, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.Equal("invalid_api_key", details.UpstreamCode);
        Assert.DoesNotContain("sk-wrong-key-9876543210", details.UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatAsync_ContextLengthExceeded_IsContextLengthError()
    {
        _fake.Enqueue(FakeScenario.Fail(400, code: "context_length_exceeded", message: "This model's maximum context length is 128000 tokens."));

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => _provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
    }

    [Fact]
    public async Task StreamChatAsync_EnumeratorDisposedEarly_AbortsTheUpstreamRequest()
    {
        _fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Text = "one two three four five six", Chunks = 6, Delay = TimeSpan.FromMilliseconds(300) });

        await foreach (var e in _provider.StreamChatAsync(Target(), Requests.Simple(), CancellationToken.None))
        {
            if (e is TextDelta)
            {
                break;
            }
        }

        // Leaving the loop disposes the enumerator, which must close the upstream connection.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (_fake.AbortedCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, _fake.AbortedCount);
    }

    [Fact]
    public async Task StreamChatAsync_CallerCancels_ThrowsOperationCanceledAndAbortsUpstream()
    {
        _fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Text = "one two three four", Chunks = 4, Delay = TimeSpan.FromMilliseconds(500) });
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in _provider.StreamChatAsync(Target(), Requests.Simple(), cts.Token))
            {
                if (e is StreamStarted)
                {
                    await cts.CancelAsync();
                }
            }
        });

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (_fake.AbortedCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, _fake.AbortedCount);
    }

    [Fact]
    public async Task StreamChatAsync_UpstreamDropsMidStream_ThrowsRetryableUpstreamErrorAfterFirstText()
    {
        _fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.DropMidStream, Text = "one two three", Chunks = 3 });
        var texts = new List<string>();

        var ex = await Assert.ThrowsAsync<ScaiGridException>(async () =>
        {
            await foreach (var e in _provider.StreamChatAsync(Target(), Requests.Simple(), CancellationToken.None))
            {
                if (e is TextDelta t)
                {
                    texts.Add(t.Text);
                }
            }
        });

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
        Assert.NotEmpty(texts);
    }

    [Fact]
    public async Task ListModelsAsync_ReturnsModelIdsWithoutCountingAsACall()
    {
        _fake.Models = ["gpt-4o", "gpt-4o-mini"];

        var models = await _provider.ListModelsAsync(Target(), CancellationToken.None);

        Assert.Equal(["gpt-4o", "gpt-4o-mini"], models);
        Assert.Equal("/v1/models", _fake.LastRequest.Path);
        Assert.Equal(0, _fake.CallCount);
    }

    [Fact]
    public async Task EmbedAsync_Dimensions_AreSentAndHonoured()
    {
        var response = await _provider.EmbedAsync(Target(), new() { Model = "f", Inputs = ["a", "b", "c"], Dimensions = 4 }, CancellationToken.None);

        Assert.Equal("/v1/embeddings", _fake.LastRequest.Path);
        Assert.Equal(4, _fake.LastRequest.Json.GetProperty("dimensions").GetInt32());
        Assert.Equal(3, response.Embeddings.Count);
        Assert.All(response.Embeddings, v => Assert.Equal(4, v.Length));
    }
}
