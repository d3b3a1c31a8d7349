using System.Text;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Anthropic;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Tests.Anthropic;

public sealed class AnthropicStreamParserTests
{
    // A recorded-shape stream ("Streaming Messages" reference): thinking, text, then two tool_use blocks
    // whose input arrives as partial_json fragments, with pings in between and cache usage.
    private const string ThinkingTextAndTwoToolsStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":10,"cache_read_input_tokens":2000,"output_tokens":2}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Two cities, "}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"two calls."}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Let me "}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"check."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Par"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"is\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":2}

        event: content_block_start
        data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":3}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}

        """;

    [Fact]
    public async Task ParseAsync_RecordedStream_YieldsTypedEventsInOrder()
    {
        var events = await ParseAsync(ThinkingTextAndTwoToolsStream);

        Assert.Equal(new StreamStarted("msg_014p7gG3wDgGV9EUtLvnow3U", "claude-sonnet-4-5-20250929"), events[0]);
        Assert.Equal(new UsageUpdate(new Usage { InputTokens = 2482, CachedInputTokens = 2000, OutputTokens = 2 }), events[1]);
        Assert.Equal("Two cities, two calls.", string.Concat(events.OfType<ReasoningDelta>().Select(d => d.Text)));
        Assert.Equal(["Let me ", "check."], events.OfType<TextDelta>().Select(d => d.Text));

        ToolCallDelta[] expectedCalls =
        [
            new(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", null),
            new(0, null, null, "{\"city\": \"Par"),
            new(0, null, null, "is\"}"),
            new(1, "toolu_02", "get_time", null),
            new(1, null, null, "{}"),
        ];
        Assert.Equal(expectedCalls, events.OfType<ToolCallDelta>());

        Assert.Equal(new StreamFinished(FinishReason.ToolCalls), events[^2]);
        Assert.Equal(new UsageUpdate(new Usage { InputTokens = 2482, CachedInputTokens = 2000, OutputTokens = 89 }), events[^1]);
    }

    [Fact]
    public async Task ParseAsync_ErrorEventMidStream_ThrowsRetryableUpstreamErrorAfterEarlierDeltas()
    {
        const string stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

            event: error
            data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

            """;
        var seen = new List<ChatStreamEvent>();

        var ex = await Assert.ThrowsAsync<ScaiGridException>(async () =>
        {
            await foreach (var e in AnthropicStreamParser.ParseAsync(SseReader.ReadEventsAsync(Body(stream), default), default))
            {
                seen.Add(e);
            }
        });

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.True(details.Retryable);
        Assert.Equal("overloaded_error", details.UpstreamCode);
        Assert.Equal(529, details.UpstreamStatus);
        Assert.Equal("Overloaded", details.UpstreamMessage);
        Assert.Equal(new TextDelta("Hel"), seen.Last());
    }

    [Fact]
    public async Task ParseAsync_StreamEndsWithoutMessageStop_ThrowsRetryableUpstreamError()
    {
        const string stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","model":"claude","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

            """;

        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => ParseAsync(stream));

        Assert.Equal(ErrorCodes.UpstreamError, ex.Code);
        Assert.True(Assert.IsType<UpstreamErrorDetails>(ex.Details).Retryable);
    }

    [Fact]
    public async Task ParseAsync_UnknownEventTypesAndPings_AreIgnored()
    {
        const string stream = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","model":"claude","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}

            event: something_new
            data: {"type":"something_new","payload":{"x":1}}

            event: ping
            data: {"type": "ping"}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":3}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

        var events = await ParseAsync(stream);

        Assert.Equal(4, events.Count);
        Assert.Equal(new StreamFinished(FinishReason.Length), events[2]);
        Assert.Equal(3, Assert.IsType<UsageUpdate>(events[3]).Usage.OutputTokens);
    }

    private static async Task<List<ChatStreamEvent>> ParseAsync(string sse)
    {
        var events = new List<ChatStreamEvent>();
        await foreach (var e in AnthropicStreamParser.ParseAsync(SseReader.ReadEventsAsync(Body(sse), default), default))
        {
            events.Add(e);
        }

        return events;
    }

    private static MemoryStream Body(string sse) => new(Encoding.UTF8.GetBytes(sse));
}
