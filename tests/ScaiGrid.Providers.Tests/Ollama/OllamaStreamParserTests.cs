using System.Text;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Ollama;
using ScaiGrid.Providers.Tests.Support;

namespace ScaiGrid.Providers.Tests.Ollama;

public sealed class OllamaStreamParserTests
{
    private static readonly ProviderTarget Target = Requests.Target(ProviderTypes.Ollama, key: null);

    private static Task<List<ChatStreamEvent>> ParseAsync(string ndjson) =>
        Fixtures.CollectAsync(OllamaStreamParser.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(ndjson)), Target, CancellationToken.None));

    [Fact]
    public async Task ParseAsync_RecordedThinkingStream_YieldsEventsInOrder()
    {
        var events = await Fixtures.CollectAsync(OllamaStreamParser.ParseAsync(Fixtures.Stream("Ollama/Fixtures/stream-thinking-text.ndjson"), Target, CancellationToken.None));

        Assert.Collection(
            events,
            e => Assert.Equal(new StreamStarted(null, "qwen3:8b"), e),
            e => Assert.Equal(new ReasoningDelta("The user greets me."), e),
            e => Assert.Equal(new TextDelta("Hel"), e),
            e => Assert.Equal(new TextDelta("lo!"), e),
            e => Assert.Equal(new StreamFinished(FinishReason.Length), e),
            e => Assert.Equal(new UsageUpdate(new Usage { InputTokens = 26, OutputTokens = 2 }), e));
    }

    [Fact]
    public async Task ParseAsync_ToolCallLine_YieldsWholeCallWithGeneratedIdAndToolCallsFinish()
    {
        const string ndjson = """
            {"model":"llama3.2","created_at":"2025-06-01T10:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Oslo"}}},{"function":{"name":"get_time","arguments":{}}}]},"done":false}
            {"model":"llama3.2","created_at":"2025-06-01T10:00:01Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":50,"eval_count":20}

            """;

        var events = await ParseAsync(ndjson);

        var calls = events.OfType<ToolCallDelta>().ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal([0, 1], calls.Select(c => c.Index));
        Assert.All(calls, c => Assert.StartsWith("call_", c.Id, StringComparison.Ordinal));
        Assert.NotEqual(calls[0].Id, calls[1].Id);
        Assert.Equal("""{"city":"Oslo"}""", calls[0].ArgumentsDelta);
        Assert.Equal("{}", calls[1].ArgumentsDelta);
        Assert.Equal(FinishReason.ToolCalls, Assert.Single(events.OfType<StreamFinished>()).FinishReason);
    }

    [Fact]
    public async Task ParseAsync_ErrorLine_ThrowsRetryableUpstreamError()
    {
        const string ndjson = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n";

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync(ndjson));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.True(details.Retryable);
        Assert.Contains("unexpected EOF", details.UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_NoDoneLine_ThrowsRetryableUpstreamError()
    {
        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n"));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }
}
