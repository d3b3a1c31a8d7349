using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Core.Inference;

/// <summary>Shared checks of canonical values, used by the native and the OpenAI-compatible mappers.</summary>
public static class RequestValidation
{
    public const int MaxStopSequences = 4;

    public static ScaiGridException Invalid(string param, string message) => ScaiGridException.Validation(param, message);

    public static string RequireString(string? value, string param) =>
        string.IsNullOrWhiteSpace(value) ? throw Invalid(param, "is required") : value;

    public static void CheckSampling(double? temperature, double? topP, int? maxOutputTokens, string maxTokensParam)
    {
        if (temperature is { } t && (t < 0 || t > 2 || double.IsNaN(t)))
        {
            throw Invalid("temperature", "must be between 0 and 2");
        }

        if (topP is { } p && (p <= 0 || p > 1 || double.IsNaN(p)))
        {
            throw Invalid("top_p", "must be greater than 0 and at most 1");
        }

        if (maxOutputTokens is <= 0)
        {
            throw Invalid(maxTokensParam, "must be a positive number of tokens");
        }
    }

    /// <summary><c>stop</c>: a string or a list of at most four non-empty strings.</summary>
    public static IReadOnlyList<string>? Stop(JsonElement? stop)
    {
        if (stop is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return string.IsNullOrEmpty(element.GetString()) ? throw Invalid("stop", "must not be empty") : [element.GetString()!];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("stop", "must be a string or a list of strings");
        }

        var list = new List<string>();
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(item.GetString()))
            {
                throw Invalid($"stop[{i}]", "must be a non-empty string");
            }

            list.Add(item.GetString()!);
            i++;
        }

        return list.Count > MaxStopSequences ? throw Invalid("stop", $"at most {MaxStopSequences} sequences") : list.Count == 0 ? null : list;
    }

    /// <summary>Tool-call arguments as a JSON-object string, from either a string or an object.</summary>
    public static string Arguments(JsonElement? arguments, string param)
    {
        if (arguments is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }

        if (element.ValueKind == JsonValueKind.Object)
        {
            return element.GetRawText();
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString()!;
            if (text.Length == 0)
            {
                return "{}";
            }

            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.ValueKind == JsonValueKind.Object ? text : throw Invalid(param, "must be a JSON object");
            }
            catch (JsonException)
            {
                throw Invalid(param, "is not valid JSON");
            }
        }

        throw Invalid(param, "must be a JSON object or a string holding one");
    }

    /// <summary>A tool's JSON Schema must be an object when given.</summary>
    public static JsonElement? Schema(JsonElement? schema, string param)
    {
        if (schema is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.Object ? element.Clone() : throw Invalid(param, "must be a JSON Schema object");
    }

    public static ChatRole Role(string? role, string param) => role switch
    {
        "system" or "developer" => ChatRole.System,
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        "tool" => ChatRole.Tool,
        null => throw Invalid(param, "is required"),
        _ => throw Invalid(param, $"unknown role '{role}' (expected system, user, assistant or tool)"),
    };

    /// <summary>Checks the conversation as a whole: tool results answer a call, something to answer exists.</summary>
    public static void CheckConversation(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
        {
            throw Invalid("messages", "must contain at least one message");
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role == ChatRole.Tool && string.IsNullOrEmpty(m.ToolCallId))
            {
                throw Invalid($"messages[{i}].tool_call_id", "is required for role tool");
            }

            if (m.Role != ChatRole.Assistant && m.Content is null)
            {
                throw Invalid($"messages[{i}].content", "is required");
            }

            if (m.Role == ChatRole.Assistant && m.Content is null && (m.ToolCalls is null || m.ToolCalls.Count == 0))
            {
                throw Invalid($"messages[{i}].content", "an assistant message needs content or tool_calls");
            }
        }
    }

    /// <summary>
    /// Message content: a string (one text part) or a non-empty list of typed parts, each an object with a
    /// string <c>type</c>. <paramref name="part"/> maps one part of the dialect (its type, the part, its path).
    /// </summary>
    public static IReadOnlyList<ContentPart>? ContentParts(JsonElement? content, string path, Func<string, JsonElement, string, ContentPart> part)
    {
        if (content is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            return [ContentPart.FromText(element.GetString()!)];
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, "must be a string or a list of content parts");
        }

        var parts = new List<ContentPart>(element.GetArrayLength());
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var at = $"{path}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw Invalid(at + ".type", "is required");
            }

            parts.Add(part(type.GetString()!, item, at));
        }

        return parts.Count == 0 ? throw Invalid(path, "must not be an empty list") : parts;
    }

    /// <summary>An optional string property; any other JSON kind is a validation error at <c>{at}.{name}</c>.</summary>
    public static string? StringProperty(JsonElement obj, string name, string at)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"{at}.{name}", "must be a string");
    }

    /// <summary>Image URLs may be http(s) (the provider fetches them) or data: URLs (inline bytes).</summary>
    public static string ImageUrl(string url, string param) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
            ? url
            : throw Invalid(param, "must be an http(s) or data: URL");

    /// <summary>A string <c>tool_choice</c> (auto, none, required), the same in every dialect; <paramref name="named"/> describes the dialect's object form.</summary>
    public static ToolChoice ToolChoiceMode(string? value, IReadOnlyList<ToolDefinition>? tools, string named) => value switch
    {
        "auto" => ToolChoice.Auto,
        "none" => ToolChoice.None,
        "required" => tools is null ? throw Invalid("tool_choice", "'required' needs tools") : ToolChoice.Required,
        var other => throw Invalid("tool_choice", $"unknown value '{other}' (expected auto, none, required or {named})"),
    };

    /// <summary>A forced function call: the name must be one of the request's tools.</summary>
    public static ToolChoice NamedToolChoice(string name, IReadOnlyList<ToolDefinition>? tools, string param) =>
        tools?.Any(t => t.Name == name) == true
            ? new ToolChoice { Mode = Abstractions.Chat.ToolChoiceMode.Function, FunctionName = name }
            : throw Invalid(param, $"'{name}' is not one of the tools");
}
