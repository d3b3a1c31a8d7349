using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScaiGrid.Core.OpenAICompat;

// OpenAI's Chat Completions and Embeddings request bodies as they arrive (API reference: "Create chat
// completion", "Create embeddings"). Fields with several shapes (content: string or parts; stop: string or
// list; tool_choice: string or object; input: string or list) stay JsonElement and are resolved, with
// field-named errors, by OpenAIRequestMapper. Members this type does not know are skipped, as OpenAI
// ignores unknown fields; a known field of the wrong type is still a 400 naming it (JsonBody).

internal sealed class OpenAIChatRequestDto
{
    public string? Model { get; set; }

    public List<OpenAIMessageDto?>? Messages { get; set; }

    public List<OpenAIToolDto?>? Tools { get; set; }

    public JsonElement? ToolChoice { get; set; }

    public bool? ParallelToolCalls { get; set; }

    /// <summary>Deprecated by OpenAI in favour of <see cref="MaxCompletionTokens"/>, which wins when both are sent.</summary>
    public int? MaxTokens { get; set; }

    public int? MaxCompletionTokens { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public JsonElement? Stop { get; set; }

    public long? Seed { get; set; }

    public string? User { get; set; }

    public OpenAIResponseFormatDto? ResponseFormat { get; set; }

    public bool? Stream { get; set; }

    public OpenAIStreamOptionsDto? StreamOptions { get; set; }

    public int? N { get; set; }

    /// <summary>The legacy function-calling parameters; kept only to reject them clearly.</summary>
    public JsonElement? Functions { get; set; }

    public JsonElement? FunctionCall { get; set; }
}

internal sealed class OpenAIStreamOptionsDto
{
    public bool? IncludeUsage { get; set; }
}

internal sealed class OpenAIMessageDto
{
    public string? Role { get; set; }

    public JsonElement? Content { get; set; }

    public string? Name { get; set; }

    public List<OpenAIToolCallDto?>? ToolCalls { get; set; }

    public string? ToolCallId { get; set; }

    /// <summary>The legacy assistant <c>function_call</c>; kept only to reject it clearly.</summary>
    public JsonElement? FunctionCall { get; set; }
}

internal sealed class OpenAIToolCallDto
{
    public string? Id { get; set; }

    public string? Type { get; set; }

    public OpenAIFunctionCallDto? Function { get; set; }
}

internal sealed class OpenAIFunctionCallDto
{
    public string? Name { get; set; }

    /// <summary>A JSON string per the reference; an object is accepted too, as OpenAI-compatible servers do.</summary>
    public JsonElement? Arguments { get; set; }
}

internal sealed class OpenAIToolDto
{
    public string? Type { get; set; }

    public OpenAIFunctionDefinitionDto? Function { get; set; }
}

internal sealed class OpenAIFunctionDefinitionDto
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public JsonElement? Parameters { get; set; }

    public bool? Strict { get; set; }
}

internal sealed class OpenAIResponseFormatDto
{
    public string? Type { get; set; }

    public OpenAIJsonSchemaDto? JsonSchema { get; set; }
}

internal sealed class OpenAIJsonSchemaDto
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public JsonElement? Schema { get; set; }

    public bool? Strict { get; set; }
}

internal sealed class OpenAIEmbeddingRequestDto
{
    public string? Model { get; set; }

    public JsonElement? Input { get; set; }

    /// <summary><c>float</c> (default) or <c>base64</c> — the official SDKs ask for base64.</summary>
    public string? EncodingFormat { get; set; }

    public int? Dimensions { get; set; }

    public string? User { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(OpenAIChatRequestDto))]
[JsonSerializable(typeof(OpenAIEmbeddingRequestDto))]
internal sealed partial class OpenAIWireContext : JsonSerializerContext;
