using System.Text;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Gemini;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Tests.Gemini;

public sealed class GeminiStreamParserTests
{
    // A recorded-shape alt=sse stream (CRLF framed, as Google sends it): a thought summary, text, a whole
    // function call, usage in every chunk and the finishReason on the last.
    private const string ThoughtTextAndCallStream =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Need the weather.\",\"thought\":true}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":30,\"totalTokenCount\":30,\"thoughtsTokenCount\":12},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"resp-1\"}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Checking \"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":30,\"totalTokenCount\":30,\"thoughtsTokenCount\":12},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"resp-1\"}\r\n\r\n"
        + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"now.\"},{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Oslo\"}}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":30,\"candidatesTokenCount\":9,\"totalTokenCount\":51,\"thoughtsTokenCount\":12,\"cachedContentTokenCount\":20},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"resp-1\"}\r\n\r\n";

    [Fact]
    public async Task ParseAsync_RecordedStream_YieldsTypedEventsInOrder()
    {
        var events = await ParseAsync(ThoughtTextAndCallStream);

        Assert.Equal(new StreamStarted("resp-1", "gemini-2.5-flash"), events[0]);
        Assert.Equal(new ReasoningDelta("Need the weather."), events[1]);
        Assert.Equal(new UsageUpdate(new Usage { InputTokens = 30, OutputTokens = 12, ReasoningTokens = 12 }), events[2]);
        Assert.Equal(new TextDelta("Checking "), events[3]);
        Assert.Equal(new TextDelta("now."), events[4]);
        var call = Assert.IsType<ToolCallDelta>(events[5]);
        Assert.Equal((0, "get_weather", """{"city":"Oslo"}"""), (call.Index, call.Name, call.ArgumentsDelta));
        Assert.StartsWith("call_0_", call.Id, StringComparison.Ordinal);
        Assert.Equal(new StreamFinished(FinishReason.ToolCalls), events[6]);
        Assert.Equal(new UsageUpdate(new Usage { InputTokens = 30, CachedInputTokens = 20, OutputTokens = 21, ReasoningTokens = 12 }), events[7]);
        Assert.Equal(8, events.Count);
    }

    [Fact]
    public async Task ParseAsync_ErrorChunkMidStream_ThrowsMappedError()
    {
        const string stream =
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n"
            + "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n";

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync(stream));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.True(details.Retryable);
        Assert.Equal("UNAVAILABLE", details.UpstreamCode);
    }

    [Fact]
    public async Task ParseAsync_StreamWithoutFinishReason_ThrowsRetryableUpstreamError()
    {
        const string stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n";

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync(stream));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task ParseAsync_SafetyStop_FinishesWithContentFilter()
    {
        const string stream = "data: {\"candidates\":[{\"content\":{\"parts\":[],\"role\":\"model\"},\"finishReason\":\"SAFETY\",\"index\":0}]}\r\n\r\n";

        var events = await ParseAsync(stream);

        Assert.Equal(new StreamFinished(FinishReason.ContentFilter), events[^1]);
    }

    [Fact]
    public async Task ParseAsync_BlockedPrompt_ThrowsContentFilteredBeforeAnyEvent()
    {
        const string stream = "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{\"promptTokenCount\":5,\"totalTokenCount\":5}}\r\n\r\n";

        var seen = 0;
        var ex = await Assert.ThrowsAsync<ScaiGridException>(async () =>
        {
            using var body = new MemoryStream(Encoding.UTF8.GetBytes(stream));
            await foreach (var unused in GeminiStreamParser.ParseAsync(SseReader.ReadEventsAsync(body, default), default))
            {
                seen++;
            }
        });

        Assert.Equal(ErrorCodes.ContentFiltered, ex.Code);
        Assert.Equal(0, seen);
    }

    private static async Task<List<ChatStreamEvent>> ParseAsync(string sse)
    {
        var events = new List<ChatStreamEvent>();
        using var body = new MemoryStream(Encoding.UTF8.GetBytes(sse));
        await foreach (var e in GeminiStreamParser.ParseAsync(SseReader.ReadEventsAsync(body, default), default))
        {
            events.Add(e);
        }

        return events;
    }
}
