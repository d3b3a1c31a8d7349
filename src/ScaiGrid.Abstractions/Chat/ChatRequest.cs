using System.Text.Json;

namespace ScaiGrid.Abstractions.Chat;

/// <summary>
/// The canonical chat request: the contract of the native API and the one shape every provider
/// translator reads. Parsed once at the edge; never re-read from the body.
/// </summary>
public sealed class ChatRequest
{
    /// <summary>The frontend model slug the application asked for (never a provider's name).</summary>
    public required string Model { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public IReadOnlyList<ToolDefinition>? Tools { get; init; }

    public ToolChoice? ToolChoice { get; init; }

    public bool? ParallelToolCalls { get; init; }

    public int? MaxOutputTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public ResponseFormat? ResponseFormat { get; init; }

    public bool Stream { get; init; }

    /// <summary>An end-user identifier the application passes through (OpenAI's <c>user</c>).</summary>
    public string? User { get; init; }

    /// <summary>Returns a copy with other messages (system-prompt rewriting), model name or output cap.</summary>
    public ChatRequest With(IReadOnlyList<ChatMessage>? messages = null, string? model = null, int? maxOutputTokens = null) => new()
    {
        Model = model ?? Model,
        Messages = messages ?? Messages,
        Tools = Tools,
        ToolChoice = ToolChoice,
        ParallelToolCalls = ParallelToolCalls,
        MaxOutputTokens = maxOutputTokens ?? MaxOutputTokens,
        Temperature = Temperature,
        TopP = TopP,
        Stop = Stop,
        Seed = Seed,
        ResponseFormat = ResponseFormat,
        Stream = Stream,
        User = User,
    };
}

public enum ChatRole
{
    System,
    User,
    Assistant,
    Tool,
}

/// <summary>One message. Content is a list of typed parts; plain text is one text part.</summary>
public sealed class ChatMessage
{
    public required ChatRole Role { get; init; }

    /// <summary>Null for an assistant message that only calls tools.</summary>
    public IReadOnlyList<ContentPart>? Content { get; init; }

    /// <summary>Optional participant name (OpenAI's <c>name</c>).</summary>
    public string? Name { get; init; }

    /// <summary>Tool calls an assistant message made.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>For role <see cref="ChatRole.Tool"/>: the id of the call this message answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>Reasoning the upstream exposed (Anthropic thinking, DeepSeek/Qwen reasoning_content).</summary>
    public string? ReasoningContent { get; init; }

    /// <summary>All text parts joined; the common case of a plain string message.</summary>
    public string Text => Content is null ? string.Empty : ContentPart.JoinText(Content);

    public static ChatMessage FromText(ChatRole role, string text) => new() { Role = role, Content = [ContentPart.FromText(text)] };
}

public enum ContentPartType
{
    Text,
    Image,
}

/// <summary>A typed part of a message: text, or an image by URL or inline base64 data.</summary>
public sealed class ContentPart
{
    public required ContentPartType Type { get; init; }

    public string? Text { get; init; }

    /// <summary>Image by URL (http(s) or a <c>data:</c> URL).</summary>
    public string? ImageUrl { get; init; }

    /// <summary>Image bytes as base64 (without the <c>data:</c> prefix).</summary>
    public string? ImageData { get; init; }

    /// <summary>Media type of <see cref="ImageData"/>, e.g. <c>image/png</c>.</summary>
    public string? MediaType { get; init; }

    /// <summary>OpenAI's image <c>detail</c> hint (auto, low, high).</summary>
    public string? Detail { get; init; }

    public static ContentPart FromText(string text) => new() { Type = ContentPartType.Text, Text = text };

    public static string JoinText(IReadOnlyList<ContentPart> parts)
    {
        if (parts.Count == 1)
        {
            return parts[0].Text ?? string.Empty;
        }

        var sb = new System.Text.StringBuilder();
        foreach (var p in parts)
        {
            if (p.Type == ContentPartType.Text && p.Text is not null)
            {
                sb.Append(p.Text);
            }
        }

        return sb.ToString();
    }
}

/// <summary>A function the model may call; <see cref="Parameters"/> is a JSON Schema object.</summary>
public sealed class ToolDefinition
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public JsonElement? Parameters { get; init; }

    public bool? Strict { get; init; }
}

public enum ToolChoiceMode
{
    Auto,
    None,
    Required,
    Function,
}

public sealed class ToolChoice
{
    public required ToolChoiceMode Mode { get; init; }

    /// <summary>For <see cref="ToolChoiceMode.Function"/>: the function the model must call.</summary>
    public string? FunctionName { get; init; }

    public static readonly ToolChoice Auto = new() { Mode = ToolChoiceMode.Auto };
    public static readonly ToolChoice None = new() { Mode = ToolChoiceMode.None };
    public static readonly ToolChoice Required = new() { Mode = ToolChoiceMode.Required };
}

/// <summary>A tool call made by the assistant. <see cref="Arguments"/> is always a JSON-object string.</summary>
public sealed class ToolCall
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Arguments { get; init; }
}

public enum ResponseFormatType
{
    Text,
    JsonObject,
    JsonSchema,
}

public sealed class ResponseFormat
{
    public required ResponseFormatType Type { get; init; }

    /// <summary>For <see cref="ResponseFormatType.JsonSchema"/>: the schema's name.</summary>
    public string? SchemaName { get; init; }

    public JsonElement? Schema { get; init; }

    public bool? Strict { get; init; }
}
