using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Core.Inference;
using static ScaiGrid.Core.Inference.RequestValidation;

namespace ScaiGrid.Core.OpenAICompat;

/// <summary>
/// Turns OpenAI Chat Completions and Embeddings bodies into the canonical requests the one inference
/// pipeline serves, naming the offending field (OpenAI's <c>param</c>) on every error.
/// </summary>
internal static class OpenAIRequestMapper
{
    public static ChatRequest ToChatRequest(OpenAIChatRequestDto dto)
    {
        var model = RequireString(dto.Model, "model");
        if (dto.N is { } n && n != 1)
        {
            // Several choices would multiply upstream cost and cannot be served by every provider alike.
            throw Invalid("n", "only n = 1 is supported");
        }

        if (dto.Functions is { ValueKind: not JsonValueKind.Null })
        {
            throw Invalid("functions", "the deprecated function-calling parameters are not supported; use tools");
        }

        if (dto.FunctionCall is { ValueKind: not JsonValueKind.Null })
        {
            throw Invalid("function_call", "the deprecated function-calling parameters are not supported; use tool_choice");
        }

        if (dto.Messages is null)
        {
            throw Invalid("messages", "is required");
        }

        var messages = new List<ChatMessage>(dto.Messages.Count);
        for (var i = 0; i < dto.Messages.Count; i++)
        {
            messages.Add(Message(dto.Messages[i] ?? throw Invalid($"messages[{i}]", "must be an object"), $"messages[{i}]"));
        }

        CheckConversation(messages);

        // "max_tokens is deprecated in favor of max_completion_tokens" (Chat Completions reference): the newer one wins.
        var (maxTokens, maxTokensParam) = dto.MaxCompletionTokens is not null ? (dto.MaxCompletionTokens, "max_completion_tokens") : (dto.MaxTokens, "max_tokens");
        CheckSampling(dto.Temperature, dto.TopP, maxTokens, maxTokensParam);
        var tools = Tools(dto.Tools);
        var stream = dto.Stream ?? false;
        if (!stream && dto.StreamOptions is not null)
        {
            // The reference: "Only set this when you set stream: true".
            throw Invalid("stream_options", "is only allowed with stream: true");
        }

        return new ChatRequest
        {
            Model = model,
            Messages = messages,
            Tools = tools,
            ToolChoice = ToolChoiceOf(dto.ToolChoice, tools),
            ParallelToolCalls = dto.ParallelToolCalls,
            MaxOutputTokens = maxTokens,
            Temperature = dto.Temperature,
            TopP = dto.TopP,
            Stop = RequestValidation.Stop(dto.Stop),
            Seed = dto.Seed,
            ResponseFormat = Format(dto.ResponseFormat),
            Stream = stream,
            User = dto.User,
        };
    }

    public static EmbeddingRequest ToEmbeddingRequest(OpenAIEmbeddingRequestDto dto)
    {
        var model = RequireString(dto.Model, "model");
        if (dto.EncodingFormat is not (null or "float" or "base64"))
        {
            throw Invalid("encoding_format", $"unknown format '{dto.EncodingFormat}' (expected float or base64)");
        }

        if (dto.Dimensions is <= 0)
        {
            throw Invalid("dimensions", "must be a positive number");
        }

        return new EmbeddingRequest { Model = model, Inputs = NativeRequestMapper.EmbeddingInputs(dto.Input, "input"), Dimensions = dto.Dimensions, User = dto.User };
    }

    private static ChatMessage Message(OpenAIMessageDto dto, string path)
    {
        if (dto.Role == "function")
        {
            throw Invalid(path + ".role", "the deprecated role 'function' is not supported; answer tool calls with role 'tool' and tool_call_id");
        }

        if (dto.FunctionCall is { ValueKind: not JsonValueKind.Null })
        {
            throw Invalid(path + ".function_call", "the deprecated function_call is not supported; use tool_calls");
        }

        var role = Role(dto.Role, path + ".role");
        List<ToolCall>? calls = null;
        if (dto.ToolCalls is { Count: > 0 })
        {
            if (role != ChatRole.Assistant)
            {
                throw Invalid(path + ".tool_calls", "only assistant messages carry tool calls");
            }

            calls = new List<ToolCall>(dto.ToolCalls.Count);
            for (var i = 0; i < dto.ToolCalls.Count; i++)
            {
                var at = $"{path}.tool_calls[{i}]";
                var call = dto.ToolCalls[i] ?? throw Invalid(at, "must be an object");
                if (call.Type is not (null or "function"))
                {
                    throw Invalid(at + ".type", $"unknown tool call type '{call.Type}' (expected function)");
                }

                var function = call.Function ?? throw Invalid(at + ".function", "is required");
                calls.Add(new ToolCall
                {
                    Id = RequireString(call.Id, at + ".id"),
                    Name = RequireString(function.Name, at + ".function.name"),
                    Arguments = Arguments(function.Arguments, at + ".function.arguments"),
                });
            }
        }

        return new ChatMessage
        {
            Role = role,
            Content = Content(dto.Content, path + ".content"),
            Name = dto.Name,
            ToolCalls = calls,
            ToolCallId = dto.ToolCallId,
        };
    }

    /// <summary>Content: a string, or parts <c>{type:text,text}</c>, <c>{type:image_url,image_url:{url,detail}}</c>, <c>{type:refusal,refusal}</c>.</summary>
    private static IReadOnlyList<ContentPart>? Content(JsonElement? content, string path) => ContentParts(content, path, static (type, part, at) => type switch
    {
        "text" => ContentPart.FromText(StringProperty(part, "text", at) ?? throw Invalid(at + ".text", "is required")),
        "image_url" => Image(part, at),
        // An assistant turn replayed from an earlier refusal: what the model said is still its text.
        "refusal" => ContentPart.FromText(StringProperty(part, "refusal", at) ?? throw Invalid(at + ".refusal", "is required")),
        var other => throw Invalid(at + ".type", $"unsupported part type '{other}' (supported: text, image_url)"),
    });

    private static ContentPart Image(JsonElement part, string at)
    {
        if (!part.TryGetProperty("image_url", out var image) || image.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(at + ".image_url", "is required and must be an object {url, detail}");
        }

        var url = ImageUrl(StringProperty(image, "url", at + ".image_url") ?? throw Invalid(at + ".image_url.url", "is required"), at + ".image_url.url");

        var detail = StringProperty(image, "detail", at + ".image_url");
        if (detail is not (null or "auto" or "low" or "high"))
        {
            throw Invalid(at + ".image_url.detail", $"unknown detail '{detail}' (expected auto, low or high)");
        }

        // Provider translators turn data: URLs into inline bytes where the upstream does not fetch URLs.
        return new ContentPart { Type = ContentPartType.Image, ImageUrl = url, Detail = detail };
    }


    private static List<ToolDefinition>? Tools(List<OpenAIToolDto?>? tools)
    {
        if (tools is null || tools.Count == 0)
        {
            return null;
        }

        var list = new List<ToolDefinition>(tools.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i] ?? throw Invalid($"tools[{i}]", "must be an object");
            if (tool.Type != "function")
            {
                throw Invalid($"tools[{i}].type", tool.Type is null ? "is required" : $"unsupported tool type '{tool.Type}' (expected function)");
            }

            var function = tool.Function ?? throw Invalid($"tools[{i}].function", "is required");
            var name = RequireString(function.Name, $"tools[{i}].function.name");
            if (!names.Add(name))
            {
                throw Invalid($"tools[{i}].function.name", $"duplicate tool name '{name}'");
            }

            list.Add(new ToolDefinition { Name = name, Description = function.Description, Parameters = Schema(function.Parameters, $"tools[{i}].function.parameters"), Strict = function.Strict });
        }

        return list;
    }

    /// <summary><c>tool_choice</c>: "auto" | "none" | "required" | <c>{"type":"function","function":{"name":"fn"}}</c>.</summary>
    private static ToolChoice? ToolChoiceOf(JsonElement? choice, List<ToolDefinition>? tools)
    {
        if (choice is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return ToolChoiceMode(element.GetString(), tools, "a named function");
        }

        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function"
            && element.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            return NamedToolChoice(name.GetString()!, tools, "tool_choice.function.name");
        }

        throw Invalid("tool_choice", "must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":\"…\"}}");
    }

    private static ResponseFormat? Format(OpenAIResponseFormatDto? format)
    {
        if (format is null)
        {
            return null;
        }

        switch (format.Type)
        {
            case "text":
                return new ResponseFormat { Type = ResponseFormatType.Text };
            case "json_object":
                return new ResponseFormat { Type = ResponseFormatType.JsonObject };
            case "json_schema":
                var schema = format.JsonSchema ?? throw Invalid("response_format.json_schema", "is required for type json_schema");
                return new ResponseFormat
                {
                    Type = ResponseFormatType.JsonSchema,
                    SchemaName = RequireString(schema.Name, "response_format.json_schema.name"),
                    Schema = Schema(schema.Schema, "response_format.json_schema.schema") ?? throw Invalid("response_format.json_schema.schema", "is required"),
                    Strict = schema.Strict,
                };
            case null:
                throw Invalid("response_format.type", "is required");
            default:
                throw Invalid("response_format.type", $"unknown type '{format.Type}' (expected text, json_object or json_schema)");
        }
    }
}
