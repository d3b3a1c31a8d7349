using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Core.Inference;

/// <summary>The native API's response bodies and stream events, written directly with Utf8JsonWriter.</summary>
internal static class NativeResponseWriter
{
    public static string FinishReasonName(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.ToolCalls => "tool_calls",
        FinishReason.ContentFilter => "content_filter",
        _ => "error",
    };

    public static void WriteChat(Utf8JsonWriter w, string requestId, string model, long created, ChatResponse response)
    {
        w.WriteStartObject();
        w.WriteString("id", requestId);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WritePropertyName("message");
        w.WriteStartObject();
        w.WriteString("role", "assistant");
        if (response.Message.Content is { Count: > 0 })
        {
            w.WriteString("content", response.Message.Text);
        }
        else
        {
            w.WriteNull("content");
        }

        if (response.Message.ToolCalls is { Count: > 0 } calls)
        {
            w.WritePropertyName("tool_calls");
            w.WriteStartArray();
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (response.Message.ReasoningContent is { } reasoning)
        {
            w.WriteString("reasoning_content", reasoning);
        }

        w.WriteEndObject();
        w.WriteString("finish_reason", FinishReasonName(response.FinishReason));
        WriteUsage(w, response.Usage);
        w.WriteString("request_id", requestId);
        w.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WritePropertyName("usage");
        w.WriteStartObject();
        w.WriteNumber("input_tokens", usage.InputTokens);
        w.WriteNumber("output_tokens", usage.OutputTokens);
        w.WriteNumber("cached_input_tokens", usage.CachedInputTokens);
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WriteEndObject();
    }

    public static void WriteEmbeddings(Utf8JsonWriter w, string requestId, string model, EmbeddingResponse response)
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteString("model", model);
        w.WritePropertyName("data");
        w.WriteStartArray();
        for (var i = 0; i < response.Embeddings.Count; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("index", i);
            w.WritePropertyName("embedding");
            w.WriteStartArray();
            foreach (var value in response.Embeddings[i])
            {
                w.WriteNumberValue(value);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName("usage");
        w.WriteStartObject();
        w.WriteNumber("input_tokens", response.InputTokens);
        w.WriteNumber("total_tokens", response.InputTokens);
        w.WriteEndObject();
        w.WriteString("request_id", requestId);
        w.WriteEndObject();
    }

    public static void WriteStreamStart(Utf8JsonWriter w, string requestId, string model, long created)
    {
        w.WriteStartObject();
        w.WriteString("request_id", requestId);
        w.WriteString("model", model);
        w.WriteNumber("created", created);
        w.WriteEndObject();
    }

    public static void WriteContent(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("content", text);
        w.WriteEndObject();
    }

    public static void WriteToolCallDelta(Utf8JsonWriter w, ToolCallDelta delta)
    {
        w.WriteStartObject();
        w.WriteNumber("index", delta.Index);
        if (delta.Id is not null)
        {
            w.WriteString("id", delta.Id);
        }

        if (delta.Name is not null)
        {
            w.WriteString("name", delta.Name);
        }

        w.WriteString("arguments", delta.ArgumentsDelta ?? string.Empty);
        w.WriteEndObject();
    }

    public static void WriteDone(Utf8JsonWriter w, string requestId, FinishReason reason, Usage usage)
    {
        w.WriteStartObject();
        w.WriteString("finish_reason", FinishReasonName(reason));
        WriteUsage(w, usage);
        w.WriteString("request_id", requestId);
        w.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter w, string requestId, ScaiGridException error)
    {
        w.WriteStartObject();
        w.WritePropertyName("error");
        w.WriteStartObject();
        w.WriteString("code", error.Code.Code);
        w.WriteString("message", error.Message);
        w.WriteString("request_id", requestId);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
