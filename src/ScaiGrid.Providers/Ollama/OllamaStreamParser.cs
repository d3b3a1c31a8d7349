using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Ollama;

/// <summary>
/// Turns Ollama's NDJSON chat stream (docs/api.md, "Chat Request (Streaming)": one JSON object per
/// line, the last with <c>"done": true</c>, <c>done_reason</c> and the token counts) into typed events.
/// </summary>
internal static class OllamaStreamParser
{
    public static async IAsyncEnumerable<ChatStreamEvent> ParseAsync(
        Stream body,
        ProviderTarget target,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new OllamaStreamState(target);
        var pending = new List<ChatStreamEvent>(4);
        await foreach (var line in SseReader.ReadLinesAsync(body, cancellationToken).ConfigureAwait(false))
        {
            var done = state.Process(line, pending);
            foreach (var e in pending)
            {
                yield return e;
            }

            pending.Clear();
            if (done)
            {
                yield break;
            }
        }

        state.Complete();
    }
}

/// <summary>The per-stream state of <see cref="OllamaStreamParser"/>; pure, so fixtures can drive it line by line.</summary>
internal sealed class OllamaStreamState(ProviderTarget target)
{
    private bool _started;
    private bool _done;
    private int _toolCalls;

    /// <summary>Handles one NDJSON line; returns true on the final (<c>done</c>) line.</summary>
    public bool Process(string line, List<ChatStreamEvent> sink)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        var chunk = JsonSerializer.Deserialize(line, OllamaWireContext.Default.OllamaChatResponse)
            ?? throw new JsonException("a stream line was null.");
        if (chunk.Error is { } error)
        {
            throw OllamaErrors.FromStreamError(target, error);
        }

        if (!_started)
        {
            _started = true;

            // Ollama's answers have no id.
            sink.Add(new StreamStarted(null, chunk.Model));
        }

        if (chunk.Message is { } message)
        {
            if (!string.IsNullOrEmpty(message.Thinking))
            {
                sink.Add(new ReasoningDelta(message.Thinking));
            }

            if (!string.IsNullOrEmpty(message.Content))
            {
                sink.Add(new TextDelta(message.Content));
            }

            // Ollama sends each tool call whole, in one line, without an id.
            foreach (var call in message.ToolCalls ?? [])
            {
                sink.Add(new ToolCallDelta(
                    _toolCalls++,
                    OpenAIChatTranslator.NewToolCallId(),
                    call.Function?.Name ?? string.Empty,
                    OpenAIChatTranslator.NormaliseArguments(call.Function?.Arguments)));
            }
        }

        if (!chunk.Done)
        {
            return false;
        }

        _done = true;
        sink.Add(new StreamFinished(OllamaChatTranslator.MapDoneReason(chunk.DoneReason, _toolCalls > 0)));
        sink.Add(new UsageUpdate(OllamaChatTranslator.MapUsage(chunk)));
        return true;
    }

    /// <summary>The body ended: without the done line the answer is incomplete.</summary>
    public void Complete()
    {
        if (!_done)
        {
            throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream stream ended before the message was finished.", null);
        }
    }
}
