using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;

namespace ScaiGrid.Core.OpenAICompat;

/// <summary>
/// OpenAI's response objects (API reference: "The chat completion object", "The chat completion chunk
/// object", "The embedding object", "The model object"), written directly with Utf8JsonWriter.
/// </summary>
internal static class OpenAIResponseWriter
{
    /// <summary>OpenAI has no "error" finish reason; a completed answer that ended oddly still ended.</summary>
    public static string FinishReasonName(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length",
        FinishReason.ToolCalls => "tool_calls",
        FinishReason.ContentFilter => "content_filter",
        _ => "stop",
    };

    /// <summary><c>chatcmpl-</c> plus the request id (without its <c>req_</c> prefix), so logs and answers correlate.</summary>
    public static string CompletionId(string requestId) =>
        "chatcmpl-" + (requestId.StartsWith("req_", StringComparison.Ordinal) ? requestId[4..] : requestId);

    public static void WriteChat(Utf8JsonWriter w, string id, string model, long created, ChatResponse response)
    {
        w.WriteStartObject();
        WriteHeader(w, id, "chat.completion", created, model);
        w.WritePropertyName("choices");
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WritePropertyName("message");
        w.WriteStartObject();
        w.WriteString("role", "assistant");
        var message = response.Message;
        var calls = message.ToolCalls is { Count: > 0 } list ? list : null;
        // "content: string or null" — null when the model only called tools.
        if (message.Content is { Count: > 0 } || calls is null)
        {
            w.WriteString("content", message.Text);
        }
        else
        {
            w.WriteNull("content");
        }

        w.WriteNull("refusal");
        if (calls is not null)
        {
            w.WritePropertyName("tool_calls");
            w.WriteStartArray();
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("type", "function");
                w.WritePropertyName("function");
                w.WriteStartObject();
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (message.ReasoningContent is { } reasoning)
        {
            // Not in OpenAI's schema: the field name DeepSeek, vLLM and others use, which OpenAI SDKs ignore.
            w.WriteString("reasoning_content", reasoning);
        }

        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", FinishReasonName(response.FinishReason));
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, response.Usage);
        w.WriteNull("system_fingerprint");
        w.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WritePropertyName("usage");
        w.WriteStartObject();
        w.WriteNumber("prompt_tokens", usage.InputTokens);
        w.WriteNumber("completion_tokens", usage.OutputTokens);
        w.WriteNumber("total_tokens", usage.TotalTokens);
        w.WritePropertyName("prompt_tokens_details");
        w.WriteStartObject();
        w.WriteNumber("cached_tokens", usage.CachedInputTokens);
        w.WriteEndObject();
        w.WritePropertyName("completion_tokens_details");
        w.WriteStartObject();
        w.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// Begins a <c>chat.completion.chunk</c> up to its choice's <c>delta</c> object. With
    /// <c>include_usage</c> every chunk carries <c>"usage": null</c> but the last ("Streaming" section).
    /// </summary>
    public static void BeginChunk(Utf8JsonWriter w, in ChunkHeader header)
    {
        w.WriteStartObject();
        WriteHeader(w, header.Id, "chat.completion.chunk", header.Created, header.Model);
        w.WriteNull("system_fingerprint");
        if (header.IncludeUsage)
        {
            w.WriteNull("usage");
        }

        w.WritePropertyName("choices");
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WritePropertyName("delta");
        w.WriteStartObject();
    }

    /// <summary>Closes the delta and the chunk; <paramref name="finishReason"/> null while the answer runs.</summary>
    public static void EndChunk(Utf8JsonWriter w, string? finishReason)
    {
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteRoleChunk(Utf8JsonWriter w, in ChunkHeader header)
    {
        BeginChunk(w, header);
        w.WriteString("role", "assistant");
        w.WriteString("content", string.Empty);
        w.WriteNull("refusal");
        EndChunk(w, null);
    }

    public static void WriteTextChunk(Utf8JsonWriter w, in ChunkHeader header, string propertyName, string text)
    {
        BeginChunk(w, header);
        w.WriteString(propertyName, text);
        EndChunk(w, null);
    }

    /// <summary>
    /// A tool-call delta: the first of a call carries <c>id</c>, <c>type</c>, <c>function.name</c> and empty
    /// arguments; later ones only <c>index</c> and an <c>arguments</c> fragment, which clients concatenate.
    /// </summary>
    public static void WriteToolCallChunk(Utf8JsonWriter w, in ChunkHeader header, int index, string? id, string? name, string arguments)
    {
        BeginChunk(w, header);
        w.WritePropertyName("tool_calls");
        w.WriteStartArray();
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }

        w.WritePropertyName("function");
        w.WriteStartObject();
        if (name is not null)
        {
            w.WriteString("name", name);
        }

        w.WriteString("arguments", arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        EndChunk(w, null);
    }

    public static void WriteFinishChunk(Utf8JsonWriter w, in ChunkHeader header, FinishReason reason)
    {
        BeginChunk(w, header);
        EndChunk(w, FinishReasonName(reason));
    }

    /// <summary>The last chunk when <c>stream_options.include_usage</c> is set: no choices, the whole request's usage.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter w, in ChunkHeader header, Usage usage)
    {
        w.WriteStartObject();
        WriteHeader(w, header.Id, "chat.completion.chunk", header.Created, header.Model);
        w.WriteNull("system_fingerprint");
        w.WritePropertyName("choices");
        w.WriteStartArray();
        w.WriteEndArray();
        WriteUsage(w, usage);
        w.WriteEndObject();
    }

    public static void WriteEmbeddings(Utf8JsonWriter w, string model, EmbeddingResponse response, bool base64)
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WritePropertyName("data");
        w.WriteStartArray();
        byte[]? buffer = null;
        try
        {
            for (var i = 0; i < response.Embeddings.Count; i++)
            {
                var vector = response.Embeddings[i];
                w.WriteStartObject();
                w.WriteString("object", "embedding");
                w.WriteNumber("index", i);
                if (base64)
                {
                    // encoding_format=base64: the little-endian float32 bytes, base64 — what the SDKs decode.
                    var size = vector.Length * sizeof(float);
                    if (buffer is null || buffer.Length < size)
                    {
                        if (buffer is not null)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                        }

                        buffer = ArrayPool<byte>.Shared.Rent(size);
                    }

                    for (var j = 0; j < vector.Length; j++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(j * sizeof(float)), vector[j]);
                    }

                    w.WriteBase64String("embedding", buffer.AsSpan(0, size));
                }
                else
                {
                    w.WritePropertyName("embedding");
                    w.WriteStartArray();
                    foreach (var value in vector)
                    {
                        w.WriteNumberValue(value);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        w.WriteEndArray();
        w.WriteString("model", model);
        w.WritePropertyName("usage");
        w.WriteStartObject();
        w.WriteNumber("prompt_tokens", response.InputTokens);
        w.WriteNumber("total_tokens", response.InputTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteModel(Utf8JsonWriter w, string id, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteNumber("created", created);
        w.WriteString("owned_by", "scaigrid");
        w.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter w, string id, string objectName, long created, string model)
    {
        w.WriteString("id", id);
        w.WriteString("object", objectName);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }
}

/// <summary>What every chunk of one stream repeats: the same id, created and model (OpenAI: "Each chunk has the same ID").</summary>
internal readonly record struct ChunkHeader(string Id, long Created, string Model, bool IncludeUsage);
