using System.Text;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.Tests.Support;

namespace ScaiGrid.Providers.Tests.OpenAI;

public sealed class OpenAIStreamParserTests
{
    private static readonly ProviderTarget Target = Requests.Target(ProviderTypes.OpenAI);

    private static Task<List<ChatStreamEvent>> ParseFixtureAsync(string path) =>
        Fixtures.CollectAsync(OpenAIStreamParser.ParseAsync(Fixtures.Stream(path), Target, CancellationToken.None));

    private static Task<List<ChatStreamEvent>> ParseAsync(string sse) =>
        Fixtures.CollectAsync(OpenAIStreamParser.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(sse)), Target, CancellationToken.None));

    [Fact]
    public async Task ParseAsync_RecordedParallelToolCalls_YieldsStartDeltasFinishAndUsage()
    {
        var events = await ParseFixtureAsync("OpenAI/Fixtures/stream-openai-tool-calls.sse");

        Assert.Equal(new StreamStarted("chatcmpl-BGy2t8GZ3mRwHuFhgcXq0Lz0O3sK2", "gpt-4o-2024-08-06"), events[0]);
        var deltas = events.OfType<ToolCallDelta>().ToList();
        Assert.Equal(new ToolCallDelta(0, "call_k4MvRzXwGoV4Fk8pIZtUoHhX", "get_weather", null), deltas[0]);
        Assert.Equal("""{"city": "Paris"}""", string.Concat(deltas.Where(d => d.Index == 0).Select(d => d.ArgumentsDelta)));
        Assert.Equal("call_9mXhVqQ1yZ0eSt2nB6cLw8Ja", deltas.Single(d => d.Index == 1 && d.Id is not null).Id);

        // The second call streamed no argument bytes; it must still assemble to a JSON object.
        Assert.Equal("{}", string.Concat(deltas.Where(d => d.Index == 1).Select(d => d.ArgumentsDelta)));
        var finishAt = events.FindIndex(e => e is StreamFinished);
        Assert.Equal(new StreamFinished(FinishReason.ToolCalls), events[finishAt]);
        Assert.Equal(new UsageUpdate(new Usage { InputTokens = 81, OutputTokens = 43, CachedInputTokens = 64 }), events[^1]);
        Assert.True(finishAt < events.Count - 1, "usage follows the finish");
    }

    [Fact]
    public async Task ParseAsync_AzurePromptFilterFirstChunk_StartsWithTheRealResponse()
    {
        var events = await ParseFixtureAsync("OpenAI/Fixtures/stream-azure-text.sse");

        Assert.Equal(new StreamStarted("chatcmpl-AzureXyZ123", "gpt-4o-2024-08-06"), Assert.Single(events.OfType<StreamStarted>()));
        Assert.IsType<StreamStarted>(events[0]);
        Assert.Equal("Hello there", string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
        Assert.Equal(FinishReason.Length, Assert.Single(events.OfType<StreamFinished>()).FinishReason);
        Assert.Equal(14, Assert.Single(events.OfType<UsageUpdate>()).Usage.InputTokens);
    }

    [Fact]
    public async Task ParseAsync_MistralUsageOnFinishChunk_YieldsTextFinishThenUsage()
    {
        var events = await ParseFixtureAsync("OpenAI/Fixtures/stream-mistral-text.sse");

        Assert.Collection(
            events,
            e => Assert.IsType<StreamStarted>(e),
            e => Assert.Equal(new TextDelta("Bonjour"), e),
            e => Assert.Equal(new TextDelta(" !"), e),
            e => Assert.Equal(new StreamFinished(FinishReason.Stop), e),
            e => Assert.Equal(new UsageUpdate(new Usage { InputTokens = 10, OutputTokens = 4 }), e));
    }

    [Fact]
    public async Task ParseAsync_QwenReasoningContent_YieldsReasoningBeforeText()
    {
        var events = await ParseFixtureAsync("OpenAI/Fixtures/stream-qwen-reasoning.sse");

        var reasoningAt = events.FindIndex(e => e is ReasoningDelta);
        var textAt = events.FindIndex(e => e is TextDelta);
        Assert.Equal("Let me think about it.", string.Concat(events.OfType<ReasoningDelta>().Select(d => d.Text)));
        Assert.Equal("It is 42.", string.Concat(events.OfType<TextDelta>().Select(d => d.Text)));
        Assert.True(reasoningAt < textAt);
        Assert.Equal(25, events.OfType<UsageUpdate>().Last().Usage.ReasoningTokens);
    }

    [Fact]
    public async Task ParseAsync_ErrorChunkMidStream_ThrowsRetryableUpstreamError()
    {
        const string sse = """
            data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}

            data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}


            """;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync(sse));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.True(details.Retryable);
        Assert.Contains("server had an error", details.UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_BodyEndsBeforeFinish_ThrowsRetryableUpstreamError()
    {
        const string sse = "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n";

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync(sse));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task ParseAsync_FramesAfterDone_AreIgnored()
    {
        const string sse = "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\ndata: {not json\n\n";

        var events = await ParseAsync(sse);

        Assert.Equal(3, events.Count);
        Assert.IsType<StreamFinished>(events[^1]);
    }

    [Fact]
    public void Process_StopAfterToolCallFromCompatibleServer_ReportsToolCalls()
    {
        // llama.cpp and older vLLM say "stop" after streaming a tool call.
        var state = new OpenAIStreamState(Target);
        var sink = new List<ChatStreamEvent>();

        state.Process("""{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}""", sink);
        state.Process("""{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""", sink);

        Assert.Equal(new StreamFinished(FinishReason.ToolCalls), sink[^1]);
        Assert.True(state.Finished);
    }
}
