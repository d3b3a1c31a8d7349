using System.Buffers;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Ollama;

/// <summary>
/// Pure translation between the canonical model and Ollama's native <c>/api/chat</c> and
/// <c>/api/embed</c> (docs/api.md). No I/O.
/// </summary>
internal static class OllamaChatTranslator
{
    /// <summary>
    /// The <c>/api/chat</c> body. <c>stream</c> is always written: Ollama streams unless told
    /// <c>"stream": false</c> (docs/api.md, "Streaming responses").
    /// </summary>
    public static ReadOnlyMemory<byte> WriteChatRequest(ChatRequest request, string upstreamModel, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var w = new Utf8JsonWriter(buffer, OpenAIChatTranslator.WriterOptions))
        {
            WriteChatRequest(w, request, upstreamModel, stream);
        }

        return buffer.WrittenMemory;
    }

    public static void WriteChatRequest(Utf8JsonWriter w, ChatRequest request, string upstreamModel, bool stream)
    {
        w.WriteStartObject();
        w.WriteString("model", upstreamModel);

        // Ollama's tool messages name the function (tool_name), not the call id: find it in the
        // assistant turn that made the call.
        Dictionary<string, string>? callNames = null;
        w.WriteStartArray("messages");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message.ToolCalls is { Count: > 0 } calls)
            {
                callNames ??= new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var call in calls)
                {
                    callNames[call.Id] = call.Name;
                }
            }

            WriteMessage(w, message, i, callNames);
        }

        w.WriteEndArray();

        // Ollama has no tool_choice: "none" can only be honoured by not offering tools; "required" and
        // a forced function have no equivalent and degrade to "auto".
        if (request.Tools is { Count: > 0 } tools && request.ToolChoice?.Mode != ToolChoiceMode.None)
        {
            w.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", tool.Name);
                if (tool.Description is { } description)
                {
                    w.WriteString("description", description);
                }

                if (tool.Parameters is { ValueKind: not JsonValueKind.Undefined } parameters)
                {
                    w.WritePropertyName("parameters");
                    parameters.WriteTo(w);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        // docs/api.md, "Structured outputs": format is "json" or a JSON schema object.
        switch (request.ResponseFormat)
        {
            case { Type: ResponseFormatType.JsonObject }:
                w.WriteString("format", "json");
                break;
            case { Type: ResponseFormatType.JsonSchema, Schema: { ValueKind: not JsonValueKind.Undefined } schema }:
                w.WritePropertyName("format");
                schema.WriteTo(w);
                break;
            case { Type: ResponseFormatType.JsonSchema }:
                w.WriteString("format", "json");
                break;
        }

        WriteOptions(w, request);
        w.WriteBoolean("stream", stream);
        w.WriteEndObject();
    }

    private static void WriteOptions(Utf8JsonWriter w, ChatRequest request)
    {
        if (request is { Temperature: null, TopP: null, Seed: null, MaxOutputTokens: null } && request.Stop is not { Count: > 0 })
        {
            return;
        }

        // docs/modelfile.md, "Valid parameters and values": sampling settings live under options.
        w.WriteStartObject("options");
        if (request.Temperature is { } temperature)
        {
            w.WriteNumber("temperature", temperature);
        }

        if (request.TopP is { } topP)
        {
            w.WriteNumber("top_p", topP);
        }

        if (request.Seed is { } seed)
        {
            w.WriteNumber("seed", seed);
        }

        if (request.Stop is { Count: > 0 } stop)
        {
            w.WriteStartArray("stop");
            foreach (var s in stop)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
        }

        if (request.MaxOutputTokens is { } max)
        {
            w.WriteNumber("num_predict", max);
        }

        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, ChatMessage message, int index, Dictionary<string, string>? callNames)
    {
        w.WriteStartObject();
        w.WriteString("role", message.Role switch
        {
            ChatRole.System => "system",
            ChatRole.User => "user",
            ChatRole.Assistant => "assistant",
            ChatRole.Tool => "tool",
            _ => throw ScaiGridException.Validation($"messages[{index}].role", "is not a known role."),
        });
        w.WriteString("content", message.Text);

        if (message.Content is { } parts && parts.Any(p => p.Type == ContentPartType.Image))
        {
            // docs/api.md, "Chat request (with images)": a list of base64 strings, no URLs.
            w.WriteStartArray("images");
            for (var p = 0; p < parts.Count; p++)
            {
                if (parts[p].Type == ContentPartType.Image)
                {
                    w.WriteStringValue(Base64Image(parts[p], $"messages[{index}].content[{p}]"));
                }
            }

            w.WriteEndArray();
        }

        if (message.ToolCalls is { Count: > 0 } calls)
        {
            w.WriteStartArray("tool_calls");
            for (var c = 0; c < calls.Count; c++)
            {
                w.WriteStartObject();
                w.WriteStartObject("function");
                w.WriteString("name", calls[c].Name);
                w.WritePropertyName("arguments");
                WriteArgumentsObject(w, calls[c].Arguments, $"messages[{index}].tool_calls[{c}].function.arguments");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (message.Role == ChatRole.Tool && message.ToolCallId is { } id && callNames is not null && callNames.TryGetValue(id, out var name))
        {
            w.WriteString("tool_name", name);
        }

        w.WriteEndObject();
    }

    /// <summary>Ollama wants tool-call arguments as an object, where the canonical model keeps a JSON string.</summary>
    private static void WriteArgumentsObject(Utf8JsonWriter w, string arguments, string param)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            w.WriteStartObject();
            w.WriteEndObject();
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(arguments);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                doc.RootElement.WriteTo(w);
                return;
            }
        }
        catch (JsonException)
        {
        }

        throw ScaiGridException.Validation(param, "must be a JSON object.");
    }

    private static string Base64Image(ContentPart part, string param)
    {
        if (!string.IsNullOrEmpty(part.ImageData))
        {
            return part.ImageData;
        }

        if (part.ImageUrl is { } url && url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0 && url.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                return url[(comma + 1)..];
            }
        }

        throw new ScaiGridException(ErrorCodes.CapabilityNotSupported, $"{param}: Ollama takes images only as inline base64 data, not by URL.", param);
    }

    public static ChatResponse ReadChatResponse(OllamaChatResponse wire)
    {
        var message = wire.Message;
        List<ToolCall>? calls = null;
        if (message?.ToolCalls is { Count: > 0 } wireCalls)
        {
            calls = new List<ToolCall>(wireCalls.Count);
            foreach (var c in wireCalls)
            {
                calls.Add(new ToolCall
                {
                    // Ollama gives tool calls no id; clients need one to answer the call.
                    Id = OpenAIChatTranslator.NewToolCallId(),
                    Name = c.Function?.Name ?? string.Empty,
                    Arguments = OpenAIChatTranslator.NormaliseArguments(c.Function?.Arguments),
                });
            }
        }

        var text = message?.Content;
        return new ChatResponse
        {
            Message = new ChatMessage
            {
                Role = ChatRole.Assistant,
                Content = string.IsNullOrEmpty(text) && calls is not null ? null : [ContentPart.FromText(text ?? string.Empty)],
                ToolCalls = calls,
                ReasoningContent = string.IsNullOrEmpty(message?.Thinking) ? null : message.Thinking,
            },
            FinishReason = MapDoneReason(wire.DoneReason, calls is not null),
            Usage = MapUsage(wire),
            UpstreamModel = wire.Model,
        };
    }

    /// <summary>Ollama reports "stop" after a tool call too; the call decides the canonical reason.</summary>
    public static FinishReason MapDoneReason(string? reason, bool calledTools) => reason switch
    {
        "length" => FinishReason.Length,
        _ when calledTools => FinishReason.ToolCalls,
        _ => FinishReason.Stop,
    };

    public static Usage MapUsage(OllamaChatResponse wire) => new()
    {
        InputTokens = wire.PromptEvalCount ?? 0,
        OutputTokens = wire.EvalCount ?? 0,
    };

    public static ReadOnlyMemory<byte> WriteEmbeddingRequest(EmbeddingRequest request, string upstreamModel)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, OpenAIChatTranslator.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("model", upstreamModel);
            w.WriteStartArray("input");
            foreach (var input in request.Inputs)
            {
                w.WriteStringValue(input);
            }

            w.WriteEndArray();
            if (request.Dimensions is { } dimensions)
            {
                w.WriteNumber("dimensions", dimensions);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    public static EmbeddingResponse ReadEmbeddingResponse(OllamaEmbedResponse wire, int expected)
    {
        var vectors = wire.Embeddings ?? [];
        if (vectors.Length != expected)
        {
            throw new JsonException($"expected {expected} embeddings, got {vectors.Length}.");
        }

        return new EmbeddingResponse
        {
            Embeddings = vectors,
            InputTokens = wire.PromptEvalCount ?? 0,
            UpstreamModel = wire.Model,
        };
    }
}
