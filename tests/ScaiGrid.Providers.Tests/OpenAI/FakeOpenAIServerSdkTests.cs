using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.OpenAI;

/// <summary>
/// The official OpenAI .NET SDK, an independent client, reads the fake without complaint: evidence
/// that the fake's completions, chunks, usage and errors are shaped like OpenAI's own.
/// </summary>
public sealed class FakeOpenAIServerSdkTests : IAsyncLifetime
{
    private readonly FakeOpenAIServer _fake = new() { ExpectedApiKey = "test-secret-key", CachedTokens = 4, ReasoningTokens = 2 };

    public async Task InitializeAsync() => await _fake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private OpenAIClientOptions Options => new() { Endpoint = new Uri(_fake.BaseUrl, "v1"), NetworkTimeout = TimeSpan.FromSeconds(10), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };

    private ChatClient Chat(string key = "test-secret-key") => new("gpt-4o-mini", new ApiKeyCredential(key), Options);

    [Fact]
    public async Task CompleteChat_Text_SdkReadsTextFinishAndDetailedUsage()
    {
        _fake.Enqueue(new FakeScenario { Text = "Hi there.", InputTokens = 11, OutputTokens = 3 });

        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Hello?")]);

        Assert.Equal("Hi there.", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(11, completion.Usage.InputTokenCount);
        Assert.Equal(3, completion.Usage.OutputTokenCount);
        Assert.Equal(4, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(2, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteChat_ToolCall_SdkReadsTheCall()
    {
        _fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Paris"}""" });

        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("Weather?")]);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolCall_SdkAssemblesCallFinishAndUsage()
    {
        _fake.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Oslo"}""", InputTokens = 9, OutputTokens = 5 });
        var arguments = new System.Text.StringBuilder();
        string? name = null;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Weather?")]))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("get_weather", name);
        Assert.Equal("""{"city":"Oslo"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.NotNull(usage);
        Assert.Equal(9, usage.InputTokenCount);
        Assert.True(_fake.LastRequest.Json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public async Task CompleteChat_RateLimited_SdkSeesStatusAndMessage()
    {
        _fake.Enqueue(FakeScenario.Fail(429, retryAfter: 2, message: "Rate limit reached for requests"));

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(429, ex.Status);
        Assert.Contains("Rate limit reached for requests", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateEmbeddings_DefaultBase64Encoding_SdkDecodesVectors()
    {
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("test-secret-key"), Options);

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["a", "b"]);

        Assert.Equal("base64", _fake.LastRequest.Json.GetProperty("encoding_format").GetString());
        Assert.Equal(2, embeddings.Count);
        Assert.Equal(_fake.EmbeddingDimensions, embeddings[0].ToFloats().Length);
        Assert.Equal(0, embeddings[0].Index);
    }
}
