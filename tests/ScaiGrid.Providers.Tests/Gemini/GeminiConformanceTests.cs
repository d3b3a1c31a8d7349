using System.Text.RegularExpressions;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Gemini;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Gemini;

/// <summary>The shared conformance scenarios, plus what only the Gemini wire shows (URLs, key header, listing).</summary>
public sealed partial class GeminiConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeGeminiServer();

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "google-test",
        ProviderType = ProviderTypes.Google,
        BaseUrl = new Uri(fakeBaseUrl, "v1beta"),
        UpstreamModel = "gemini-2.5-flash",
        ApiKey = new Secret("test-secret-key"),
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new GeminiProvider(executor);

    [Fact]
    public async Task Chat_Request_PostsGenerateContentWithKeyHeader()
    {
        var chat = (IChatProvider)Provider;

        var response = await chat.ChatAsync(Target, Request(), CancellationToken.None);

        var sent = Fake.LastRequest;
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", sent.Path);
        Assert.Equal(string.Empty, sent.Query);
        Assert.Equal("test-secret-key", sent.Header("x-goog-api-key"));
        Assert.Equal("You are terse.", sent.Json.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal(64, sent.Json.GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32());
        Assert.Equal("gemini-2.5-flash", response.UpstreamModel);
    }

    [Fact]
    public async Task Stream_Request_UsesAltSseAndCrLfFramesParse()
    {
        var stream = (IChatStreamProvider)Provider;

        var events = new List<ChatStreamEvent>();
        await foreach (var e in stream.StreamChatAsync(Target, Request(stream: true), CancellationToken.None))
        {
            events.Add(e);
        }

        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent", Fake.LastRequest.Path);
        Assert.Equal("?alt=sse", Fake.LastRequest.Query);
        Assert.IsType<StreamStarted>(events[0]);
        Assert.Equal("Hello from the fake upstream.", string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
    }

    [Fact]
    public async Task Chat_ToolCall_GeneratesStableLookingCallId()
    {
        Fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall });
        var chat = (IChatProvider)Provider;

        var response = await chat.ChatAsync(Target, Request(tools: true), CancellationToken.None);

        Assert.Matches(CallId(), Assert.Single(response.Message.ToolCalls!).Id);
        Assert.Equal("get_weather", Fake.LastRequest.Json.GetProperty("tools")[0].GetProperty("functionDeclarations")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Embeddings_Request_PostsBatchEmbedContentsPerInput()
    {
        var embed = (IEmbeddingProvider)Provider;
        var target = new ProviderTarget { ProviderId = "google-test", ProviderType = ProviderTypes.Google, BaseUrl = Target.BaseUrl, UpstreamModel = "gemini-embedding-001", ApiKey = Target.ApiKey };

        var response = await embed.EmbedAsync(target, new EmbeddingRequest { Model = "e", Inputs = ["hello world", "b"], Dimensions = 4 }, CancellationToken.None);

        var sent = Fake.LastRequest;
        Assert.Equal("/v1beta/models/gemini-embedding-001:batchEmbedContents", sent.Path);
        var requests = sent.Json.GetProperty("requests");
        Assert.Equal(2, requests.GetArrayLength());
        Assert.Equal("models/gemini-embedding-001", requests[0].GetProperty("model").GetString());
        Assert.Equal("hello world", requests[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal(4, requests[1].GetProperty("outputDimensionality").GetInt32());
        Assert.All(response.Embeddings, v => Assert.Equal(4, v.Length));
        Assert.Equal(4, response.InputTokens);
    }

    [Fact]
    public async Task ListModels_Fake_ReturnsNamesWithoutModelsPrefix()
    {
        var lister = Assert.IsAssignableFrom<IModelLister>(Provider);

        var models = await lister.ListModelsAsync(Target, CancellationToken.None);

        Assert.Equal(["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"], models);
        Assert.Equal("/v1beta/models", Fake.LastRequest.Path);
        Assert.Equal(0, Fake.CallCount);
    }

    [Fact]
    public async Task Chat_RateLimitedWithRetryInfoDetail_UsesRetryDelay()
    {
        Fake.Enqueue(FakeScenario.Fail(429, retryAfter: 22, message: "You exceeded your current quota"));
        var chat = (IChatProvider)Provider;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(Target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamRateLimited, ex.Code);
        Assert.Equal(22, ex.RetryAfterSeconds);
        Assert.Equal("RESOURCE_EXHAUSTED", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamCode);
    }

    [Fact]
    public async Task Chat_MissingKey_IsAuthFailed()
    {
        var target = new ProviderTarget { ProviderId = "google-nokey", ProviderType = ProviderTypes.Google, BaseUrl = Target.BaseUrl, UpstreamModel = "gemini-2.5-flash" };
        var chat = (IChatProvider)Provider;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => chat.ChatAsync(target, Request(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamAuthFailed, ex.Code);
        Assert.Equal("PERMISSION_DENIED", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamCode);
    }

    [Fact]
    public async Task Stream_DropMidStream_ThrowsRetryableUpstreamError()
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

    // The fake signs its calls like a thinking model, so the id carries the signature (base64url) after "__ts_".
    [GeneratedRegex("^call_0_[0-9a-f]{12}__ts_[A-Za-z0-9_-]+$")]
    private static partial Regex CallId();
}
