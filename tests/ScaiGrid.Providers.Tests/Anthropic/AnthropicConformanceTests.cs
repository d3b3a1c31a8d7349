using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Anthropic;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Anthropic;

/// <summary>The shared conformance scenarios, plus what only the Anthropic wire shows (headers, URL, stream faults).</summary>
public sealed class AnthropicConformanceTests : ProviderConformanceSuite
{
    protected override bool SupportsEmbeddings => false;

    protected override FakeUpstreamServer CreateFake() => new FakeAnthropicServer();

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => MakeTarget(fakeBaseUrl);

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new AnthropicProvider(executor);

    [Fact]
    public async Task Chat_Request_SendsKeyVersionAndMessagesBody()
    {
        var chat = (IChatProvider)Provider;

        await chat.ChatAsync(Target, Request(), CancellationToken.None);

        var sent = Fake.LastRequest;
        Assert.Equal("/v1/messages", sent.Path);
        Assert.Equal("test-secret-key", sent.Header("x-api-key"));
        Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
        Assert.StartsWith("application/json", sent.Header("content-type"), StringComparison.Ordinal);
        Assert.Equal("claude-test", sent.Json.GetProperty("model").GetString());
        Assert.Equal(64, sent.Json.GetProperty("max_tokens").GetInt32());
        Assert.Equal("You are terse.", sent.Json.GetProperty("system").GetString());
        Assert.False(sent.Json.TryGetProperty("stream", out _));
    }

    [Fact]
    public async Task Chat_BaseUrlEndingInV1AndVersionSetting_AreHonoured()
    {
        var target = MakeTarget(new Uri(Fake.BaseUrl, "v1"), new Dictionary<string, string> { ["anthropic_version"] = "2024-01-01" });
        var chat = (IChatProvider)Provider;

        var response = await chat.ChatAsync(target, Request(), CancellationToken.None);

        Assert.Equal("/v1/messages", Fake.LastRequest.Path);
        Assert.Equal("2024-01-01", Fake.LastRequest.Header("anthropic-version"));
        Assert.Equal("Hello from the fake upstream.", response.Message.Text);
    }

    [Fact]
    public async Task Stream_Request_SetsStreamTrueAndParsesStartedEvent()
    {
        var stream = (IChatStreamProvider)Provider;

        var events = new List<ChatStreamEvent>();
        await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true), CancellationToken.None))
        {
            events.Add(e);
        }

        Assert.True(Fake.LastRequest.Json.GetProperty("stream").GetBoolean());
        var started = Assert.IsType<StreamStarted>(events[0]);
        Assert.StartsWith("msg_", started.UpstreamResponseId, StringComparison.Ordinal);
        Assert.Equal("claude-test", started.UpstreamModel);
    }

    [Fact]
    public async Task Chat_MissingKey_IsAuthFailedFromTheFake()
    {
        var target = new ProviderTarget { ProviderId = "anthropic-nokey", ProviderType = ProviderTypes.Anthropic, BaseUrl = Fake.BaseUrl, UpstreamModel = "claude-test" };
        var chat = (IChatProvider)Provider;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamAuthFailed, ex.Code);
        Assert.Equal("authentication_error", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamCode);
    }

    [Fact]
    public async Task Chat_Overloaded529_IsRetryableUpstreamError()
    {
        Fake.Enqueue(FakeScenario.Fail(529, message: "Overloaded"));
        var chat = (IChatProvider)Provider;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.True(details.Retryable);
        Assert.Equal("overloaded_error", details.UpstreamCode);
    }

    [Fact]
    public async Task Chat_PromptTooLong_IsContextLengthExceeded()
    {
        Fake.Enqueue(FakeScenario.Fail(400, message: "prompt is too long: 208656 tokens > 200000 maximum"));
        var chat = (IChatProvider)Provider;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
        Assert.False(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task Stream_DropMidStream_ThrowsRetryableUpstreamErrorAfterFirstText()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.DropMidStream, Text = "One two three four.", Chunks = 4 });
        var stream = (IChatStreamProvider)Provider;

        var texts = new List<string>();
        var ex = await Assert.ThrowsAsync<ScaiGridException>(async () =>
        {
            await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true), CancellationToken.None))
            {
                if (e is TextDelta t)
                {
                    texts.Add(t.Text);
                }
            }
        });

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
        Assert.Equal(["One t"], texts);
    }

    [Fact]
    public async Task Stream_EnumeratorDisposedEarly_AbortsTheUpstreamRequest()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromMilliseconds(300), Chunks = 10, Text = "abcdefghijklmnopqrstuvwxyz" });
        var stream = (IChatStreamProvider)Provider;

        await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true), CancellationToken.None))
        {
            if (e is TextDelta)
            {
                break;
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Fake.AbortedCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, Fake.AbortedCount);
    }

    [Fact]
    public async Task Stream_Cancelled_StopsWithOperationCanceled()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromSeconds(1), Chunks = 10 });
        var stream = (IChatStreamProvider)Provider;
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true), cts.Token))
            {
                if (e is StreamStarted)
                {
                    await cts.CancelAsync();
                }
            }
        });
    }

    private static ProviderTarget MakeTarget(Uri baseUrl, Dictionary<string, string>? settings = null) => new()
    {
        ProviderId = "anthropic-test",
        ProviderType = ProviderTypes.Anthropic,
        BaseUrl = baseUrl,
        UpstreamModel = "claude-test",
        ApiKey = new Secret("test-secret-key"),
        Settings = settings ?? new Dictionary<string, string>(),
    };
}
