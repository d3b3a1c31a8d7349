using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Anthropic;

/// <summary>
/// Anthropic's server-sent events ("Streaming Messages": message_start, content_block_start/delta/stop,
/// message_delta, message_stop, ping, error) → canonical typed stream events. Pure: it only reads the
/// events it is given.
/// </summary>
internal static class AnthropicStreamParser
{
    public static async IAsyncEnumerable<ChatStreamEvent> ParseAsync(
        IAsyncEnumerable<SseEvent> events,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Content blocks are indexed across all kinds (text, thinking, tool_use); tool calls are indexed
        // among tool_use blocks only, which is what the canonical ToolCallDelta.Index means.
        var tools = new Dictionary<int, ToolBlock>();
        Usage? usage = null;
        var finished = false;
        await foreach (var sse in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (sse.Data.Length == 0)
            {
                continue;
            }

            var e = Deserialize(sse.Data);

            // The SSE event name repeats the data's "type"; the data is authoritative.
            switch (e.Type ?? sse.Event)
            {
                case "message_start":
                    yield return new StreamStarted(e.Message?.Id, e.Message?.Model);
                    usage = AnthropicChatTranslator.ToUsage(e.Message?.Usage, null);
                    yield return new UsageUpdate(usage);
                    break;

                case "content_block_start":
                    var start = StartBlock(e, tools);
                    if (start is not null)
                    {
                        yield return start;
                    }

                    break;

                case "content_block_delta":
                    var delta = Delta(e, tools);
                    if (delta is not null)
                    {
                        yield return delta;
                    }

                    break;

                case "content_block_stop":
                    // A call without parameters may stream no input_json_delta at all; the canonical
                    // arguments must still assemble to a JSON object.
                    if (tools.TryGetValue(e.Index ?? -1, out var stopped) && !stopped.HasArguments)
                    {
                        stopped.HasArguments = true;
                        yield return new ToolCallDelta(stopped.CallIndex, null, null, "{}");
                    }

                    break;

                case "message_delta":
                    usage = AnthropicChatTranslator.ToUsage(e.Usage, usage);
                    if (!finished && e.Delta?.StopReason is { } stopReason)
                    {
                        finished = true;
                        yield return new StreamFinished(AnthropicChatTranslator.MapStopReason(stopReason));
                    }

                    yield return new UsageUpdate(usage);
                    break;

                case "message_stop":
                    yield break;

                case "error":
                    // Errors can arrive after the 200, e.g. overloaded_error during high load.
                    throw AnthropicErrors.FromStreamError(e.Error?.Type, e.Error?.Message);

                default:
                    // ping, and event types added later ("Other events": handle unknown types gracefully).
                    break;
            }
        }

        throw Incomplete("The upstream stream ended before message_stop.");
    }

    private static ChatStreamEvent? StartBlock(AnthropicStreamEvent e, Dictionary<int, ToolBlock> tools)
    {
        var block = e.ContentBlock;
        switch (block?.Type)
        {
            case "tool_use":
                var tool = new ToolBlock(tools.Count);
                tools[e.Index ?? tools.Count] = tool;

                // The input is streamed as input_json_delta; content_block_start carries an empty {}.
                string? initial = null;
                if (block.Input is { ValueKind: JsonValueKind.Object } input && input.EnumerateObject().Any())
                {
                    initial = input.GetRawText();
                    tool.HasArguments = true;
                }

                return new ToolCallDelta(tool.CallIndex, block.Id, block.Name, initial);
            case "text" when !string.IsNullOrEmpty(block.Text):
                return new TextDelta(block.Text);
            case "thinking" when !string.IsNullOrEmpty(block.Thinking):
                return new ReasoningDelta(block.Thinking);
            default:
                return null;
        }
    }

    private static ChatStreamEvent? Delta(AnthropicStreamEvent e, Dictionary<int, ToolBlock> tools)
    {
        var delta = e.Delta;
        switch (delta?.Type)
        {
            case "text_delta" when !string.IsNullOrEmpty(delta.Text):
                return new TextDelta(delta.Text);
            case "thinking_delta" when !string.IsNullOrEmpty(delta.Thinking):
                return new ReasoningDelta(delta.Thinking);
            case "input_json_delta" when !string.IsNullOrEmpty(delta.PartialJson) && tools.TryGetValue(e.Index ?? -1, out var tool):
                tool.HasArguments = true;
                return new ToolCallDelta(tool.CallIndex, null, null, delta.PartialJson);
            default:
                // signature_delta and citations_delta have no canonical counterpart.
                return null;
        }
    }

    private static AnthropicStreamEvent Deserialize(string data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, AnthropicJsonContext.Default.AnthropicStreamEvent)
                ?? throw Incomplete("The upstream sent an empty stream event.");
        }
        catch (JsonException ex)
        {
            throw new ScaiGridException(ErrorCodes.UpstreamError, "The upstream sent a malformed stream event.", details: Details("malformed stream event"), inner: ex);
        }
    }

    private static ScaiGridException Incomplete(string message) =>
        new(ErrorCodes.UpstreamError, message, details: Details(message));

    private static UpstreamErrorDetails Details(string message) => new()
    {
        Provider = ProviderTypes.Anthropic,
        UpstreamMessage = message,
        Retryable = true,
    };

    private sealed class ToolBlock(int callIndex)
    {
        public int CallIndex { get; } = callIndex;

        public bool HasArguments { get; set; }
    }
}
