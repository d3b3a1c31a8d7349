using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Mistral;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.Tests.Support;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Mistral;

/// <summary>Against the strict Mistral fake: any field outside Mistral's schema would come back as a 422.</summary>
public sealed class MistralProviderTests : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new();
    private readonly FakeOpenAIServer _fake = new(FakeOpenAIFlavor.Mistral) { ExpectedApiKey = "test-secret-key" };

    public async Task InitializeAsync() => await _fake.StartAsync();

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _fake.DisposeAsync();
    }

    private ProviderTarget Target() => Requests.Target(ProviderTypes.Mistral, new Uri(_fake.BaseUrl, "v1"), "mistral-small-latest");

    [Fact]
    public async Task StreamChatAsync_FullRequest_IsAcceptedWithMistralFieldNames()
    {
        var provider = new MistralProvider(_executor);

        var events = await Fixtures.CollectAsync(provider.StreamChatAsync(Target(), Requests.Full(), CancellationToken.None));

        var body = _fake.LastRequest.Json;
        Assert.Equal(42, body.GetProperty("random_seed").GetInt64());
        Assert.Equal(256, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("stream_options", out _));
        Assert.False(body.TryGetProperty("user", out _));
        Assert.Equal(FinishReason.Stop, Assert.Single(events.OfType<StreamFinished>()).FinishReason);
        Assert.Single(events.OfType<UsageUpdate>());
    }

    [Fact]
    public async Task ChatAsync_OpenAIDialectAgainstMistral_IsRejectedAsBadRequest()
    {
        // Shows why Mistral needs its own dialect: OpenAI's field names are a 422 there.
        var openAiShaped = new OpenAIProvider(_executor);

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => openAiShaped.ChatAsync(Target(), Requests.Full(stream: false), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamBadRequest, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.Equal(422, details.UpstreamStatus);
        Assert.Contains("Extra inputs are not permitted", details.UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbedAsync_Dimensions_SendOutputDimension()
    {
        var provider = new MistralProvider(_executor);

        var response = await provider.EmbedAsync(Target(), new() { Model = "f", Inputs = ["a"], Dimensions = 16 }, CancellationToken.None);

        Assert.Equal(16, _fake.LastRequest.Json.GetProperty("output_dimension").GetInt32());
        Assert.Equal(16, Assert.Single(response.Embeddings).Length);
    }

    [Fact]
    public async Task ChatAsync_RateLimitedTopLevelBody_IsRateLimitedWithMessage()
    {
        _fake.Enqueue(FakeScenario.Fail(429, retryAfter: 3, message: "Requests rate limit exceeded"));
        var provider = new MistralProvider(_executor);

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => provider.ChatAsync(Target(), Requests.Simple(), CancellationToken.None));

        Assert.Equal(ErrorCodes.UpstreamRateLimited, ex.Code);
        Assert.Equal(3, ex.RetryAfterSeconds);
        Assert.Equal("Requests rate limit exceeded", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamMessage);
    }
}
