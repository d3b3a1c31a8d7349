using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using static ScaiGrid.Core.Inference.RequestValidation;

namespace ScaiGrid.Core.Inference;

/// <summary>Turns native API bodies into canonical requests, naming the offending field on every error.</summary>
internal static class NativeRequestMapper
{
    public static ChatRequest ToChatRequest(NativeChatRequestDto dto)
    {
        var model = RequireString(dto.Model, "model");
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
        CheckSampling(dto.Temperature, dto.TopP, dto.MaxOutputTokens, "max_output_tokens");
        var tools = Tools(dto.Tools);
        return new ChatRequest
        {
            Model = model,
            Messages = messages,
            Tools = tools,
            ToolChoice = ToolChoiceOf(dto.ToolChoice, tools),
            ParallelToolCalls = dto.ParallelToolCalls,
            MaxOutputTokens = dto.MaxOutputTokens,
            Temperature = dto.Temperature,
            TopP = dto.TopP,
            Stop = Stop(dto.Stop),
            Seed = dto.Seed,
            ResponseFormat = Format(dto.ResponseFormat),
            Stream = dto.Stream ?? false,
            User = dto.User,
        };
    }

    public static EmbeddingRequest ToEmbeddingRequest(NativeEmbeddingRequestDto dto)
    {
        var model = RequireString(dto.Model, "model");
        if (dto.Dimensions is <= 0)
        {
            throw Invalid("dimensions", "must be a positive number");
        }

        return new EmbeddingRequest { Model = model, Inputs = EmbeddingInputs(dto.Input, "input"), Dimensions = dto.Dimensions, User = dto.User };
    }

    /// <summary><c>input</c>: a string or a non-empty list of strings (at most 2048).</summary>
    public static IReadOnlyList<string> EmbeddingInputs(JsonElement? input, string param)
    {
        if (input is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            throw Invalid(param, "is required");
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return string.IsNullOrEmpty(element.GetString()) ? throw Invalid(param, "must not be empty") : [element.GetString()!];
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw Invalid(param, "must be a string or a non-empty list of strings");
        }

        if (element.GetArrayLength() > 2048)
        {
            throw Invalid(param, "at most 2048 inputs per request");
        }

        var list = new List<string>(element.GetArrayLength());
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(item.GetString()) ? item.GetString()! : throw Invalid($"{param}[{i}]", "must be a non-empty string"));
            i++;
        }

        return list;
    }

    private static ChatMessage Message(NativeMessageDto dto, string path)
    {
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
                var call = dto.ToolCalls[i] ?? throw Invalid($"{path}.tool_calls[{i}]", "must be an object");
                calls.Add(new ToolCall
                {
                    Id = RequireString(call.Id, $"{path}.tool_calls[{i}].id"),
                    Name = RequireString(call.Name, $"{path}.tool_calls[{i}].name"),
                    Arguments = Arguments(call.Arguments, $"{path}.tool_calls[{i}].arguments"),
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
            ReasoningContent = dto.ReasoningContent,
        };
    }

    /// <summary>Content: a string, or parts <c>{type:text,text}</c>, <c>{type:image,url}</c>, <c>{type:image,data,media_type}</c>.</summary>
    private static IReadOnlyList<ContentPart>? Content(JsonElement? content, string path) => ContentParts(content, path, static (type, part, at) => type switch
    {
        "text" => ContentPart.FromText(StringProperty(part, "text", at) ?? throw Invalid(at + ".text", "is required")),
        "image" => Image(part, at),
        var other => throw Invalid(at + ".type", $"unknown part type '{other}' (expected text or image)"),
    });

    private static ContentPart Image(JsonElement part, string at)
    {
        var url = StringProperty(part, "url", at);
        var data = StringProperty(part, "data", at);
        if ((url is null) == (data is null))
        {
            throw Invalid(at, "an image part needs exactly one of url or data");
        }

        if (url is not null)
        {
            ImageUrl(url, at + ".url");
        }

        var mediaType = StringProperty(part, "media_type", at);
        if (data is not null && mediaType is null)
        {
            throw Invalid(at + ".media_type", "is required with data");
        }

        return new ContentPart { Type = ContentPartType.Image, ImageUrl = url, ImageData = data, MediaType = mediaType, Detail = StringProperty(part, "detail", at) };
    }

    private static List<ToolDefinition>? Tools(List<NativeToolDto?>? tools)
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
            var name = RequireString(tool.Name, $"tools[{i}].name");
            if (!names.Add(name))
            {
                throw Invalid($"tools[{i}].name", $"duplicate tool name '{name}'");
            }

            list.Add(new ToolDefinition { Name = name, Description = tool.Description, Parameters = Schema(tool.Parameters, $"tools[{i}].parameters"), Strict = tool.Strict });
        }

        return list;
    }

    /// <summary><c>tool_choice</c>: "auto" | "none" | "required" | <c>{"name": "fn"}</c>.</summary>
    private static ToolChoice? ToolChoiceOf(JsonElement? choice, List<ToolDefinition>? tools)
    {
        if (choice is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return ToolChoiceMode(element.GetString(), tools, "{\"name\":…}");
        }

        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            return NamedToolChoice(name.GetString()!, tools, "tool_choice.name");
        }

        throw Invalid("tool_choice", "must be auto, none, required or {\"name\": \"…\"}");
    }

    private static ResponseFormat? Format(NativeResponseFormatDto? format)
    {
        if (format is null)
        {
            return null;
        }

        return format.Type switch
        {
            "text" => new ResponseFormat { Type = ResponseFormatType.Text },
            "json_object" => new ResponseFormat { Type = ResponseFormatType.JsonObject },
            "json_schema" => new ResponseFormat
            {
                Type = ResponseFormatType.JsonSchema,
                SchemaName = format.Name ?? "response",
                Schema = Schema(format.Schema, "response_format.schema") ?? throw Invalid("response_format.schema", "is required for json_schema"),
                Strict = format.Strict,
            },
            null => throw Invalid("response_format.type", "is required"),
            var other => throw Invalid("response_format.type", $"unknown type '{other}' (expected text, json_object or json_schema)"),
        };
    }
}
