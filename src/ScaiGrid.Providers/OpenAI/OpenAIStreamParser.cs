using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// Turns the SSE stream of <c>chat.completion.chunk</c> objects (API reference, "The chat completion
/// chunk object") into typed events: <see cref="StreamStarted"/> first, then text, reasoning and
/// tool-call deltas, <see cref="StreamFinished"/> when a finish_reason arrives and
/// <see cref="UsageUpdate"/> whenever a chunk carries usage; it ends at <c>data: [DONE]</c>.
/// </summary>
internal static class OpenAIStreamParser
{
    public static async IAsyncEnumerable<ChatStreamEvent> ParseAsync(
        Stream body,
        ProviderTarget target,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new OpenAIStreamState(target);
        var pending = new List<ChatStreamEvent>(4);
        await foreach (var sse in SseReader.ReadEventsAsync(body, cancellationToken).ConfigureAwait(false))
        {
            var done = state.Process(sse.Data, pending);
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

/// <summary>The per-stream state of <see cref="OpenAIStreamParser"/>; pure, so fixtures can drive it frame by frame.</summary>
internal sealed class OpenAIStreamState(ProviderTarget target)
{
    private readonly Dictionary<int, bool> _toolCallHasArguments = [];
    private bool _started;
    private bool _finished;

    public bool Finished => _finished;

    /// <summary>Handles one SSE <c>data</c> payload, appending events to <paramref name="sink"/>. Returns true at <c>[DONE]</c>.</summary>
    public bool Process(string data, List<ChatStreamEvent> sink)
    {
        if (data.AsSpan().Trim().SequenceEqual("[DONE]"))
        {
            Complete();
            return true;
        }

        var chunk = JsonSerializer.Deserialize(data, OpenAIWireContext.Default.OpenAIChunk)
            ?? throw new JsonException("a stream chunk was null.");

        if (chunk.Error is { } error)
        {
            throw OpenAIErrors.FromStreamError(target, error);
        }

        var choices = chunk.Choices;

        // Azure's first chunk only carries prompt_filter_results with an empty id, model and choices
        // (Azure docs, "Content filtering – streaming"); the response starts with the first real chunk.
        if (!_started && (!string.IsNullOrEmpty(chunk.Id) || choices is { Count: > 0 } || chunk.Usage is not null))
        {
            _started = true;
            sink.Add(new StreamStarted(NullIfEmpty(chunk.Id), NullIfEmpty(chunk.Model)));
        }

        if (choices is { Count: > 0 })
        {
            // ScaiGrid never asks for n > 1, so only the first choice exists.
            var choice = choices[0];
            if (choice.Delta is { } delta)
            {
                AddDelta(delta, sink);
            }

            if (choice.FinishReason is { } reason && !_finished)
            {
                FinishToolCalls(sink);
                _finished = true;
                var finish = OpenAIChatTranslator.MapFinishReason(reason);
                if (finish == FinishReason.Stop && _toolCallHasArguments.Count > 0)
                {
                    finish = FinishReason.ToolCalls;
                }

                sink.Add(new StreamFinished(finish));
            }
        }

        // With include_usage the last chunk has choices: [] and the usage (API reference,
        // "stream_options"); Mistral puts usage on the finish chunk itself.
        if (chunk.Usage is { } usage)
        {
            sink.Add(new UsageUpdate(OpenAIChatTranslator.MapUsage(usage)));
        }

        return false;
    }

    /// <summary>The body ended (or [DONE] came): a stream that never finished its message is a failure.</summary>
    public void Complete()
    {
        if (!_finished)
        {
            throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream stream ended before the message was finished.", null);
        }
    }

    private void AddDelta(OpenAIMessage delta, List<ChatStreamEvent> sink)
    {
        var reasoning = delta.ReasoningContent ?? delta.Reasoning ?? delta.Content?.Thinking;
        if (!string.IsNullOrEmpty(reasoning))
        {
            sink.Add(new ReasoningDelta(reasoning));
        }

        if (delta.Content?.Text is { Length: > 0 } text)
        {
            sink.Add(new TextDelta(text));
        }
        else if (delta.Refusal is { Length: > 0 } refusal)
        {
            sink.Add(new TextDelta(refusal));
        }

        if (delta.ToolCalls is not { Count: > 0 } calls)
        {
            return;
        }

        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];

            // OpenAI always sends index; servers that omit it send whole calls in array order.
            var index = call.Index ?? i;
            var arguments = call.Function?.Arguments;
            var hasArguments = !string.IsNullOrEmpty(arguments);
            _toolCallHasArguments[index] = (_toolCallHasArguments.TryGetValue(index, out var had) && had) || hasArguments;
            var id = NullIfEmpty(call.Id);
            var name = NullIfEmpty(call.Function?.Name);
            if (id is null && name is null && !hasArguments)
            {
                continue;
            }

            sink.Add(new ToolCallDelta(index, id, name, hasArguments ? arguments : null));
        }
    }

    /// <summary>A call that streamed no argument bytes (no parameters) still has to assemble to <c>{}</c>.</summary>
    private void FinishToolCalls(List<ChatStreamEvent> sink)
    {
        foreach (var (index, hasArguments) in _toolCallHasArguments)
        {
            if (!hasArguments)
            {
                sink.Add(new ToolCallDelta(index, null, null, "{}"));
            }
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
