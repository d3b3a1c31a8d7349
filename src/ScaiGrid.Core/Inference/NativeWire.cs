using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScaiGrid.Core.Inference;

// The native API's request bodies as they arrive. Fields that take several shapes (content: string or
// parts; stop: string or list; tool_choice: string or object; arguments: string or object) stay JsonElement
// and are resolved, with field-named errors, by NativeRequestMapper.

internal sealed class NativeChatRequestDto
{
    public string? Model { get; set; }

    public List<NativeMessageDto?>? Messages { get; set; }

    public List<NativeToolDto?>? Tools { get; set; }

    public JsonElement? ToolChoice { get; set; }

    public bool? ParallelToolCalls { get; set; }

    public int? MaxOutputTokens { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public JsonElement? Stop { get; set; }

    public long? Seed { get; set; }

    public NativeResponseFormatDto? ResponseFormat { get; set; }

    public bool? Stream { get; set; }

    public string? User { get; set; }
}

internal sealed class NativeMessageDto
{
    public string? Role { get; set; }

    public JsonElement? Content { get; set; }

    public string? Name { get; set; }

    public List<NativeToolCallDto?>? ToolCalls { get; set; }

    public string? ToolCallId { get; set; }

    public string? ReasoningContent { get; set; }
}

internal sealed class NativeToolCallDto
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public JsonElement? Arguments { get; set; }
}

internal sealed class NativeToolDto
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public JsonElement? Parameters { get; set; }

    public bool? Strict { get; set; }
}

internal sealed class NativeResponseFormatDto
{
    public string? Type { get; set; }

    public string? Name { get; set; }

    public JsonElement? Schema { get; set; }

    public bool? Strict { get; set; }
}

internal sealed class NativeEmbeddingRequestDto
{
    public string? Model { get; set; }

    public JsonElement? Input { get; set; }

    public int? Dimensions { get; set; }

    public string? User { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(NativeChatRequestDto))]
[JsonSerializable(typeof(NativeEmbeddingRequestDto))]
internal sealed partial class NativeWireContext : JsonSerializerContext;
