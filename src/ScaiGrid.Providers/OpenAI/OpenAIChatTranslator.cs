using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// Pure translation between the canonical model and OpenAI's Chat Completions and Embeddings wire
/// format (API reference, "Create chat completion", "Create embeddings"), shaped by an
/// <see cref="OpenAIDialect"/> for the APIs that copy it. No I/O.
/// </summary>
internal static class OpenAIChatTranslator
{
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        // Request bodies are never embedded in HTML; escaping every non-ASCII character would only
        // inflate CJK prompts (Qwen) several-fold.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The request body. <paramref name="stream"/> is the call's shape (ChatAsync or StreamChatAsync),
    /// which wins over <see cref="ChatRequest.Stream"/>.
    /// </summary>
    public static ReadOnlyMemory<byte> WriteChatRequest(ChatRequest request, string upstreamModel, OpenAIDialect dialect, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteChatRequest(writer, request, upstreamModel, dialect, stream);
        }

        return buffer.WrittenMemory;
    }

    public static void WriteChatRequest(Utf8JsonWriter w, ChatRequest request, string upstreamModel, OpenAIDialect dialect, bool stream)
    {
        w.WriteStartObject();
        w.WriteString("model", upstreamModel);

        w.WriteStartArray("messages");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            WriteMessage(w, request.Messages[i], i, dialect);
        }

        w.WriteEndArray();

        if (request.Tools is { Count: > 0 } tools)
        {
            w.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                WriteTool(w, tool);
            }

            w.WriteEndArray();
        }

        if (request.ToolChoice is { } choice)
        {
            WriteToolChoice(w, choice, dialect);
        }

        if (request.ParallelToolCalls is { } parallel)
        {
            w.WriteBoolean("parallel_tool_calls", parallel);
        }

        if (request.MaxOutputTokens is { } max)
        {
            w.WriteNumber(dialect.MaxTokensField, max);
        }

        if (request.Temperature is { } temperature)
        {
            w.WriteNumber("temperature", temperature);
        }

        if (request.TopP is { } topP)
        {
            w.WriteNumber("top_p", topP);
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

        if (request.Seed is { } seed)
        {
            w.WriteNumber(dialect.SeedField, seed);
        }

        if (request.ResponseFormat is { } format)
        {
            WriteResponseFormat(w, format);
        }

        if (dialect.SendUser && request.User is { } user)
        {
            w.WriteString("user", user);
        }

        w.WriteBoolean("stream", stream);
        if (stream && dialect.SendStreamOptions)
        {
            // OpenAI API reference, "stream_options": without include_usage a stream carries no usage,
            // and accounting would have nothing to settle.
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, ChatMessage message, int index, OpenAIDialect dialect)
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

        if (dialect.SendParticipantName && message.Name is { } name && message.Role != ChatRole.Tool)
        {
            w.WriteString("name", name);
        }

        switch (message.Role)
        {
            case ChatRole.User:
                WriteUserContent(w, message, index);
                break;
            case ChatRole.Assistant:
                // API reference, "Assistant message": content is required unless tool_calls is given.
                if (message.Content is { Count: > 0 } || message.ToolCalls is not { Count: > 0 })
                {
                    w.WriteString("content", message.Text);
                }
                else
                {
                    w.WriteNull("content");
                }

                if (message.ToolCalls is { Count: > 0 } calls)
                {
                    w.WriteStartArray("tool_calls");
                    foreach (var call in calls)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", call.Id);
                        w.WriteString("type", "function");
                        w.WriteStartObject("function");
                        w.WriteString("name", call.Name);
                        w.WriteString("arguments", string.IsNullOrWhiteSpace(call.Arguments) ? "{}" : call.Arguments);
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                break;
            case ChatRole.Tool:
                if (string.IsNullOrEmpty(message.ToolCallId))
                {
                    throw ScaiGridException.Validation($"messages[{index}].tool_call_id", "is required for a tool message.");
                }

                w.WriteString("tool_call_id", message.ToolCallId);
                w.WriteString("content", message.Text);
                break;
            default:
                w.WriteString("content", message.Text);
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteUserContent(Utf8JsonWriter w, ChatMessage message, int index)
    {
        var parts = message.Content;
        if (parts is null || parts.Count == 0)
        {
            w.WriteString("content", string.Empty);
            return;
        }

        // A single text part goes out as a plain string: every OpenAI-shaped server accepts that,
        // while some (older vLLM, llama.cpp) reject the parts array for text-only models.
        if (parts.Count == 1 && parts[0].Type == ContentPartType.Text)
        {
            w.WriteString("content", parts[0].Text ?? string.Empty);
            return;
        }

        w.WriteStartArray("content");
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            w.WriteStartObject();
            if (part.Type == ContentPartType.Text)
            {
                w.WriteString("type", "text");
                w.WriteString("text", part.Text ?? string.Empty);
            }
            else
            {
                w.WriteString("type", "image_url");
                w.WriteStartObject("image_url");
                w.WriteString("url", ImageUrl(part, $"messages[{index}].content[{p}]"));
                if (part.Detail is { } detail)
                {
                    w.WriteString("detail", detail);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>API reference, "Image content part": inline bytes travel as a <c>data:</c> URL.</summary>
    private static string ImageUrl(ContentPart part, string param)
    {
        if (!string.IsNullOrEmpty(part.ImageUrl))
        {
            return part.ImageUrl;
        }

        if (!string.IsNullOrEmpty(part.ImageData))
        {
            return $"data:{part.MediaType ?? "image/png"};base64,{part.ImageData}";
        }

        throw ScaiGridException.Validation(param, "an image part needs a URL or base64 data.");
    }

    private static void WriteTool(Utf8JsonWriter w, ToolDefinition tool)
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

        if (tool.Strict is { } strict)
        {
            w.WriteBoolean("strict", strict);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteToolChoice(Utf8JsonWriter w, ToolChoice choice, OpenAIDialect dialect)
    {
        switch (choice.Mode)
        {
            case ToolChoiceMode.Auto:
                w.WriteString("tool_choice", "auto");
                break;
            case ToolChoiceMode.None:
                w.WriteString("tool_choice", "none");
                break;
            case ToolChoiceMode.Required:
                w.WriteString("tool_choice", dialect.RequiredToolChoice);
                break;
            case ToolChoiceMode.Function:
                if (string.IsNullOrEmpty(choice.FunctionName))
                {
                    throw ScaiGridException.Validation("tool_choice.function.name", "is required when a function is forced.");
                }

                w.WriteStartObject("tool_choice");
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", choice.FunctionName);
                w.WriteEndObject();
                w.WriteEndObject();
                break;
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter w, ResponseFormat format)
    {
        w.WriteStartObject("response_format");
        switch (format.Type)
        {
            case ResponseFormatType.JsonObject:
                w.WriteString("type", "json_object");
                break;
            case ResponseFormatType.JsonSchema:
                w.WriteString("type", "json_schema");
                w.WriteStartObject("json_schema");

                // API reference, "response_format.json_schema.name" is required.
                w.WriteString("name", string.IsNullOrEmpty(format.SchemaName) ? "response" : format.SchemaName);
                if (format.Schema is { ValueKind: not JsonValueKind.Undefined } schema)
                {
                    w.WritePropertyName("schema");
                    schema.WriteTo(w);
                }

                if (format.Strict is { } strict)
                {
                    w.WriteBoolean("strict", strict);
                }

                w.WriteEndObject();
                break;
            default:
                w.WriteString("type", "text");
                break;
        }

        w.WriteEndObject();
    }

    public static ChatResponse ReadChatResponse(OpenAIChatCompletion wire)
    {
        var choice = wire.Choices is { Count: > 0 } choices ? choices[0] : null;
        var message = choice?.Message;

        List<ToolCall>? calls = null;
        if (message?.ToolCalls is { Count: > 0 } wireCalls)
        {
            calls = new List<ToolCall>(wireCalls.Count);
            foreach (var c in wireCalls)
            {
                calls.Add(new ToolCall
                {
                    Id = string.IsNullOrEmpty(c.Id) ? NewToolCallId() : c.Id,
                    Name = c.Function?.Name ?? string.Empty,
                    Arguments = NormaliseArguments(c.Function?.Arguments),
                });
            }
        }

        // A refusal (API reference, "message.refusal") is the assistant's answer in words.
        var text = message?.Content?.Text ?? message?.Refusal;
        var reasoning = message?.ReasoningContent ?? message?.Reasoning ?? message?.Content?.Thinking;

        var finish = MapFinishReason(choice?.FinishReason);
        if (calls is not null && finish == FinishReason.Stop)
        {
            // Some compatible servers (older vLLM, llama.cpp) report "stop" after a tool call.
            finish = FinishReason.ToolCalls;
        }

        return new ChatResponse
        {
            Message = new ChatMessage
            {
                Role = ChatRole.Assistant,
                Content = string.IsNullOrEmpty(text) && calls is not null ? null : [ContentPart.FromText(text ?? string.Empty)],
                ToolCalls = calls,
                ReasoningContent = string.IsNullOrEmpty(reasoning) ? null : reasoning,
            },
            FinishReason = finish,
            Usage = MapUsage(wire.Usage),
            UpstreamModel = wire.Model,
            UpstreamResponseId = wire.Id,
        };
    }

    /// <summary>API reference, "finish_reason"; Mistral adds model_length, vLLM abort/error.</summary>
    public static FinishReason MapFinishReason(string? reason) => reason switch
    {
        "length" or "model_length" => FinishReason.Length,
        "tool_calls" or "function_call" => FinishReason.ToolCalls,
        "content_filter" => FinishReason.ContentFilter,
        "error" or "abort" => FinishReason.Error,
        _ => FinishReason.Stop,
    };

    public static Usage MapUsage(OpenAIUsage? usage) => usage is null
        ? Usage.Zero
        : new Usage
        {
            InputTokens = usage.PromptTokens ?? 0,
            OutputTokens = usage.CompletionTokens ?? 0,
            CachedInputTokens = usage.PromptTokensDetails?.CachedTokens ?? 0,
            ReasoningTokens = usage.CompletionTokensDetails?.ReasoningTokens ?? 0,
        };

    /// <summary>Arguments leave as a JSON-object string; an empty one (a call without parameters) becomes <c>{}</c>.</summary>
    public static string NormaliseArguments(string? arguments) =>
        string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments;

    public static string NewToolCallId() =>
        "call_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    public static ReadOnlyMemory<byte> WriteEmbeddingRequest(EmbeddingRequest request, string upstreamModel, OpenAIDialect dialect)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
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
                w.WriteNumber(dialect.EmbeddingDimensionsField, dimensions);
            }

            if (dialect.SendUser && request.User is { } user)
            {
                w.WriteString("user", user);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    public static EmbeddingResponse ReadEmbeddingResponse(OpenAIEmbeddingList wire, int expected)
    {
        var data = wire.Data ?? [];
        var vectors = new float[data.Count][];
        for (var i = 0; i < data.Count; i++)
        {
            // API reference, "The embedding object": index is the input's position; order is not promised.
            var index = data[i].Index ?? i;
            if ((uint)index >= (uint)vectors.Length)
            {
                throw new JsonException($"embedding index {index} is out of range.");
            }

            vectors[index] = data[i].Embedding ?? [];
        }

        if (vectors.Length != expected || Array.Exists(vectors, v => v is null))
        {
            throw new JsonException($"expected {expected} embeddings, got {data.Count}.");
        }

        return new EmbeddingResponse
        {
            Embeddings = vectors,
            InputTokens = wire.Usage?.PromptTokens ?? wire.Usage?.TotalTokens ?? 0,
            UpstreamModel = wire.Model,
        };
    }
}
