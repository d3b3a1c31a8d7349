using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScaiGrid.Providers.Anthropic;

// Wire shapes of the Anthropic Messages API (POST /v1/messages, "Messages" and "Streaming Messages"
// reference pages). One content-block class serves every block type (text, image, tool_use,
// tool_result, thinking): the API discriminates by "type" and null members are not written.

internal sealed class AnthropicRequest
{
    public required string Model { get; init; }

    /// <summary>Required by the API (unlike OpenAI's optional max_tokens).</summary>
    public required int MaxTokens { get; init; }

    public required List<AnthropicMessage> Messages { get; init; }

    public string? System { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public List<string>? StopSequences { get; init; }

    public List<AnthropicTool>? Tools { get; init; }

    public AnthropicToolChoice? ToolChoice { get; init; }

    public AnthropicMetadata? Metadata { get; init; }

    /// <summary>Only written when true, so a non-streaming body stays minimal.</summary>
    public bool? Stream { get; init; }
}

internal sealed class AnthropicMessage
{
    public required string Role { get; init; }

    public required List<AnthropicContentBlock> Content { get; init; }
}

internal sealed class AnthropicContentBlock
{
    public required string Type { get; init; }

    public string? Text { get; init; }

    /// <summary>tool_use: the call id (<c>toolu_…</c>).</summary>
    public string? Id { get; init; }

    public string? Name { get; init; }

    /// <summary>tool_use: the arguments as a JSON object (not a string, unlike OpenAI).</summary>
    public JsonElement? Input { get; init; }

    /// <summary>tool_result: the tool_use id it answers.</summary>
    public string? ToolUseId { get; init; }

    /// <summary>tool_result: the result text.</summary>
    public string? Content { get; init; }

    public AnthropicImageSource? Source { get; init; }

    /// <summary>thinking: the reasoning text.</summary>
    public string? Thinking { get; init; }

    public string? Signature { get; init; }
}

internal sealed class AnthropicImageSource
{
    /// <summary><c>base64</c> or <c>url</c>.</summary>
    public required string Type { get; init; }

    public string? MediaType { get; init; }

    public string? Data { get; init; }

    public string? Url { get; init; }
}

internal sealed class AnthropicTool
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public required JsonElement InputSchema { get; init; }
}

internal sealed class AnthropicToolChoice
{
    /// <summary><c>auto</c>, <c>any</c>, <c>tool</c> or <c>none</c>.</summary>
    public required string Type { get; init; }

    public string? Name { get; init; }

    public bool? DisableParallelToolUse { get; init; }
}

internal sealed class AnthropicMetadata
{
    public string? UserId { get; init; }
}

internal sealed class AnthropicResponse
{
    public string? Id { get; init; }

    public string? Type { get; init; }

    public string? Role { get; init; }

    public string? Model { get; init; }

    public List<AnthropicContentBlock>? Content { get; init; }

    public string? StopReason { get; init; }

    public string? StopSequence { get; init; }

    public AnthropicUsage? Usage { get; init; }
}

internal sealed class AnthropicUsage
{
    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public long? CacheCreationInputTokens { get; init; }

    public long? CacheReadInputTokens { get; init; }
}

/// <summary>Any event of the stream; which members are set depends on <see cref="Type"/>.</summary>
internal sealed class AnthropicStreamEvent
{
    public string? Type { get; init; }

    /// <summary>message_start: the message with empty content and the input usage.</summary>
    public AnthropicResponse? Message { get; init; }

    /// <summary>content_block_*: the block's position in the final content array.</summary>
    public int? Index { get; init; }

    public AnthropicContentBlock? ContentBlock { get; init; }

    public AnthropicStreamDelta? Delta { get; init; }

    /// <summary>message_delta: cumulative usage (output_tokens, sometimes input and cache counts).</summary>
    public AnthropicUsage? Usage { get; init; }

    public AnthropicErrorBody? Error { get; init; }
}

internal sealed class AnthropicStreamDelta
{
    /// <summary>content_block_delta: text_delta, input_json_delta, thinking_delta, signature_delta…</summary>
    public string? Type { get; init; }

    public string? Text { get; init; }

    public string? PartialJson { get; init; }

    public string? Thinking { get; init; }

    /// <summary>message_delta: why the message ended.</summary>
    public string? StopReason { get; init; }
}

/// <summary>The error body <c>{"type":"error","error":{"type","message"},"request_id"}</c>.</summary>
internal sealed class AnthropicErrorEnvelope
{
    public string? Type { get; init; }

    public AnthropicErrorBody? Error { get; init; }
}

internal sealed class AnthropicErrorBody
{
    public string? Type { get; init; }

    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AnthropicRequest))]
[JsonSerializable(typeof(AnthropicResponse))]
[JsonSerializable(typeof(AnthropicStreamEvent))]
[JsonSerializable(typeof(AnthropicErrorEnvelope))]
internal sealed partial class AnthropicJsonContext : JsonSerializerContext;
