using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Gemini;

/// <summary>
/// streamGenerateContent?alt=sse → canonical typed stream events. Every <c>data:</c> is a complete
/// GenerateContentResponse: text parts are deltas, a functionCall part is a whole call, usageMetadata is
/// cumulative, and there is no [DONE] sentinel: the chunk with a finishReason ends the answer.
/// </summary>
internal static class GeminiStreamParser
{
    public static async IAsyncEnumerable<ChatStreamEvent> ParseAsync(
        IAsyncEnumerable<SseEvent> events,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = false;
        var toolCalls = 0;
        FinishReason? finish = null;
        Usage? lastUsage = null;
        await foreach (var sse in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (sse.Data.Length == 0)
            {
                continue;
            }

            var chunk = Deserialize(sse.Data);
            if (chunk.Error is { } error)
            {
                throw GeminiErrors.FromStreamChunk(error);
            }

            // Throws CONTENT_FILTERED for a prompt blocked before any candidate, before anything is yielded.
            var candidate = GeminiChatTranslator.FirstCandidate(chunk);
            if (!started)
            {
                started = true;
                yield return new StreamStarted(chunk.ResponseId, chunk.ModelVersion);
            }

            foreach (var part in candidate?.Content?.Parts ?? [])
            {
                if (part.FunctionCall is { } call)
                {
                    // Gemini sends each call whole, never split across chunks.
                    var toolCall = GeminiChatTranslator.ToToolCall(call, toolCalls, part.ThoughtSignature);
                    yield return new ToolCallDelta(toolCalls++, toolCall.Id, toolCall.Name, toolCall.Arguments);
                }
                else if (!string.IsNullOrEmpty(part.Text))
                {
                    yield return part.Thought == true ? new ReasoningDelta(part.Text) : new TextDelta(part.Text);
                }
            }

            if (finish is null && candidate?.FinishReason is { Length: > 0 } reason)
            {
                finish = GeminiChatTranslator.MapFinishReason(reason, toolCalls > 0);
                yield return new StreamFinished(finish.Value);
            }

            if (chunk.UsageMetadata is { } metadata)
            {
                var usage = GeminiChatTranslator.ToUsage(metadata);
                if (usage != lastUsage)
                {
                    lastUsage = usage;
                    yield return new UsageUpdate(usage);
                }
            }
        }

        if (finish is null)
        {
            throw new ScaiGridException(ErrorCodes.UpstreamError, "The upstream stream ended without a finishReason.", details: Details("stream ended without a finishReason"));
        }
    }

    private static GeminiResponse Deserialize(string data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, GeminiJsonContext.Default.GeminiResponse)
                ?? throw new ScaiGridException(ErrorCodes.UpstreamError, "The upstream sent an empty stream chunk.", details: Details("empty stream chunk"));
        }
        catch (JsonException ex)
        {
            throw new ScaiGridException(ErrorCodes.UpstreamError, "The upstream sent a malformed stream chunk.", details: Details("malformed stream chunk"), inner: ex);
        }
    }

    private static UpstreamErrorDetails Details(string message) => new()
    {
        Provider = ProviderTypes.Google,
        UpstreamMessage = message,
        Retryable = true,
    };
}
