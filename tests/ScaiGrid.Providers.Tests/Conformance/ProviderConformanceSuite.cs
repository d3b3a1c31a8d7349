using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Conformance;

/// <summary>
/// The same scenarios against every provider and its fake: text, stream, tools, usage, errors.
/// A provider folder adds one subclass; nothing here knows a wire format.
/// </summary>
public abstract class ProviderConformanceSuite : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new(new UpstreamTimeouts { FirstByte = TimeSpan.FromSeconds(2) });

    protected FakeUpstreamServer Fake { get; private set; } = null!;

    protected IProvider Provider { get; private set; } = null!;

    protected ProviderTarget Target { get; private set; } = null!;

    /// <summary>A new, not yet started fake of this provider's wire format.</summary>
    protected abstract FakeUpstreamServer CreateFake();

    /// <summary>A target pointing at the started fake.</summary>
    protected abstract ProviderTarget CreateTarget(Uri fakeBaseUrl);

    protected abstract IProvider CreateProvider(UpstreamHttpExecutor executor);

    /// <summary>Whether the provider implements embeddings (Anthropic does not).</summary>
    protected virtual bool SupportsEmbeddings => true;

    public async Task InitializeAsync()
    {
        Fake = await CreateFake().StartAsync();
        Target = CreateTarget(Fake.BaseUrl);
        Provider = CreateProvider(_executor);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await Fake.DisposeAsync();
    }

    protected static ChatRequest Request(bool stream = false, bool tools = false) => new()
    {
        Model = "frontend/test",
        Stream = stream,
        MaxOutputTokens = 64,
        Messages =
        [
            ChatMessage.FromText(ChatRole.System, "You are terse."),
            ChatMessage.FromText(ChatRole.User, "Hello?"),
        ],
        Tools = tools
            ? [new ToolDefinition { Name = "get_weather", Description = "Weather for a city", Parameters = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement }]
            : null,
    };

    [Fact]
    public async Task Chat_Text_ReturnsTextStopAndUsage()
    {
        Fake.Enqueue(new FakeScenario { Text = "Hi there.", InputTokens = 11, OutputTokens = 3 });
        var chat = Assert.IsAssignableFrom<IChatProvider>(Provider);

        var response = await chat.ChatAsync(Target, Request(), CancellationToken.None);

        Assert.Equal("Hi there.", response.Message.Text);
        Assert.Equal(ChatRole.Assistant, response.Message.Role);
        Assert.Equal(FinishReason.Stop, response.FinishReason);
        Assert.Equal(11, response.Usage.InputTokens);
        Assert.Equal(3, response.Usage.OutputTokens);
        Assert.Equal(1, Fake.CallCount);
    }

    [Fact]
    public async Task Stream_Text_YieldsDeltasThenFinishAndUsage()
    {
        Fake.Enqueue(new FakeScenario { Text = "One two three four.", Chunks = 4, InputTokens = 9, OutputTokens = 5 });
        var stream = Assert.IsAssignableFrom<IChatStreamProvider>(Provider);

        var events = new List<ChatStreamEvent>();
        await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true), CancellationToken.None))
        {
            events.Add(e);
        }

        var text = string.Concat(events.OfType<TextDelta>().Select(d => d.Text));
        Assert.Equal("One two three four.", text);
        Assert.True(events.OfType<TextDelta>().Count() >= 2, "the text arrives in several deltas");
        Assert.Equal(FinishReason.Stop, Assert.Single(events.OfType<StreamFinished>()).FinishReason);
        var usage = events.OfType<UsageUpdate>().Last().Usage;
        Assert.Equal(9, usage.InputTokens);
        Assert.Equal(5, usage.OutputTokens);
    }

    [Fact]
    public async Task Chat_ToolCall_ReturnsCallWithJsonObjectArguments()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Paris"}""" });
        var chat = Assert.IsAssignableFrom<IChatProvider>(Provider);

        var response = await chat.ChatAsync(Target, Request(tools: true), CancellationToken.None);

        Assert.Equal(FinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Message.ToolCalls!);
        Assert.Equal("get_weather", call.Name);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("Paris", JsonDocument.Parse(call.Arguments).RootElement.GetProperty("city").GetString());
    }

    [Fact]
    public async Task Stream_ToolCall_AssemblesToTheSameCall()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Oslo"}""" });
        var stream = Assert.IsAssignableFrom<IChatStreamProvider>(Provider);

        var deltas = new List<ToolCallDelta>();
        FinishReason? finish = null;
        await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true, tools: true), CancellationToken.None))
        {
            if (e is ToolCallDelta d)
            {
                deltas.Add(d);
            }
            else if (e is StreamFinished f)
            {
                finish = f.FinishReason;
            }
        }

        Assert.Equal(FinishReason.ToolCalls, finish);
        Assert.All(deltas, d => Assert.Equal(0, d.Index));
        Assert.Equal("get_weather", deltas.First(d => d.Name is not null).Name);
        Assert.False(string.IsNullOrEmpty(deltas.First().Id));
        var args = string.Concat(deltas.Select(d => d.ArgumentsDelta));
        Assert.Equal("Oslo", JsonDocument.Parse(args).RootElement.GetProperty("city").GetString());
    }

    [Fact]
    public async Task Chat_Upstream500_IsRetryableUpstreamError()
    {
        Fake.Enqueue(FakeScenario.Fail(500));
        var chat = Assert.IsAssignableFrom<IChatProvider>(Provider);

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.True(details.Retryable);
        Assert.Equal(500, details.UpstreamStatus);
        Assert.Contains("failed as scripted", details.UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_Upstream429_IsRateLimitedWithRetryAfter()
    {
        Fake.Enqueue(FakeScenario.Fail(429, retryAfter: 7));
        var chat = Assert.IsAssignableFrom<IChatProvider>(Provider);

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamRateLimited, ex.Code);
        Assert.Equal(7, ex.RetryAfterSeconds);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task Chat_Upstream401_IsAuthFailedAndNotRetryable()
    {
        Fake.Enqueue(FakeScenario.Fail(401));
        var chat = Assert.IsAssignableFrom<IChatProvider>(Provider);

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamAuthFailed, ex.Code);
        Assert.False(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
        Assert.DoesNotContain("test-secret-key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_Upstream500_ThrowsBeforeTheFirstEvent()
    {
        Fake.Enqueue(FakeScenario.Fail(503));
        var stream = Assert.IsAssignableFrom<IChatStreamProvider>(Provider);

        var events = 0;
        var ex = await Assert.ThrowsAsync<ScaiGridException>(async () =>
        {
            await foreach (var unused in stream.StreamChatAsync(Target, Request(stream: true), CancellationToken.None))
            {
                events++;
            }
        });

        Assert.Equal(0, events);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task Chat_UpstreamHangs_IsRetryableTimeout()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.Hang, Delay = TimeSpan.FromSeconds(10) });
        var chat = Assert.IsAssignableFrom<IChatProvider>(Provider);

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamTimeout, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task Embeddings_WhenSupported_ReturnOneVectorPerInput()
    {
        if (!SupportsEmbeddings)
        {
            Assert.False(Provider is IEmbeddingProvider, "a provider without embeddings must not implement the interface");
            return;
        }

        var embed = Assert.IsAssignableFrom<IEmbeddingProvider>(Provider);
        var response = await embed.EmbedAsync(Target, new EmbeddingRequest { Model = "frontend/embed", Inputs = ["a", "b"] }, CancellationToken.None);

        Assert.Equal(2, response.Embeddings.Count);
        Assert.All(response.Embeddings, v => Assert.NotEmpty(v));
        Assert.True(response.InputTokens > 0);
    }
}
