using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScaiGrid.Providers.Gemini;

// Wire shapes of the Gemini API v1beta ("Generating content": models.generateContent and
// models.streamGenerateContent; "Embeddings": models.batchEmbedContents; "Models": models.list).
// Gemini's JSON is camelCase; one Part class covers every part kind, null members are not written.

internal sealed class GeminiRequest
{
    public required List<GeminiContent> Contents { get; init; }

    public GeminiContent? SystemInstruction { get; init; }

    public List<GeminiTool>? Tools { get; init; }

    public GeminiToolConfig? ToolConfig { get; init; }

    public GeminiGenerationConfig? GenerationConfig { get; init; }
}

internal sealed class GeminiContent
{
    /// <summary><c>user</c> or <c>model</c>; absent on systemInstruction.</summary>
    public string? Role { get; init; }

    public required List<GeminiPart> Parts { get; init; }
}

internal sealed class GeminiPart
{
    public string? Text { get; init; }

    /// <summary>True on a thought summary part (thinking models with includeThoughts).</summary>
    public bool? Thought { get; init; }

    public string? ThoughtSignature { get; init; }

    public GeminiBlob? InlineData { get; init; }

    public GeminiFileData? FileData { get; init; }

    public GeminiFunctionCall? FunctionCall { get; init; }

    public GeminiFunctionResponse? FunctionResponse { get; init; }
}

internal sealed class GeminiBlob
{
    public required string MimeType { get; init; }

    public required string Data { get; init; }
}

internal sealed class GeminiFileData
{
    public string? MimeType { get; init; }

    public required string FileUri { get; init; }
}

internal sealed class GeminiFunctionCall
{
    /// <summary>Only some surfaces (Live API, Vertex) set it; generateContent usually does not.</summary>
    public string? Id { get; init; }

    public string? Name { get; init; }

    /// <summary>The arguments as a JSON object (a protobuf Struct).</summary>
    public JsonElement? Args { get; init; }
}

internal sealed class GeminiFunctionResponse
{
    public required string Name { get; init; }

    /// <summary>Must be a JSON object (a protobuf Struct).</summary>
    public required JsonElement Response { get; init; }
}

internal sealed class GeminiTool
{
    public required List<GeminiFunctionDeclaration> FunctionDeclarations { get; init; }
}

internal sealed class GeminiFunctionDeclaration
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>An OpenAPI 3.0 Schema subset, not full JSON Schema: see <see cref="GeminiSchema"/>.</summary>
    public JsonElement? Parameters { get; init; }
}

internal sealed class GeminiToolConfig
{
    public required GeminiFunctionCallingConfig FunctionCallingConfig { get; init; }
}

internal sealed class GeminiFunctionCallingConfig
{
    /// <summary><c>AUTO</c>, <c>ANY</c> or <c>NONE</c>.</summary>
    public required string Mode { get; init; }

    public List<string>? AllowedFunctionNames { get; init; }
}

internal sealed class GeminiGenerationConfig
{
    public List<string>? StopSequences { get; init; }

    public string? ResponseMimeType { get; init; }

    public JsonElement? ResponseSchema { get; init; }

    public int? MaxOutputTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? Seed { get; init; }
}

internal sealed class GeminiResponse
{
    public List<GeminiCandidate>? Candidates { get; init; }

    public GeminiPromptFeedback? PromptFeedback { get; init; }

    public GeminiUsageMetadata? UsageMetadata { get; init; }

    public string? ModelVersion { get; init; }

    public string? ResponseId { get; init; }

    /// <summary>Set when an error arrives as a stream chunk instead of an HTTP status.</summary>
    public GeminiErrorBody? Error { get; init; }
}

internal sealed class GeminiCandidate
{
    public GeminiContent? Content { get; init; }

    public string? FinishReason { get; init; }

    public int? Index { get; init; }
}

internal sealed class GeminiPromptFeedback
{
    public string? BlockReason { get; init; }
}

internal sealed class GeminiUsageMetadata
{
    /// <summary>The whole prompt, cached part included.</summary>
    public long? PromptTokenCount { get; init; }

    public long? CandidatesTokenCount { get; init; }

    public long? CachedContentTokenCount { get; init; }

    /// <summary>Thinking tokens; not included in candidatesTokenCount.</summary>
    public long? ThoughtsTokenCount { get; init; }

    public long? TotalTokenCount { get; init; }
}

internal sealed class GeminiBatchEmbedRequest
{
    public required List<GeminiEmbedContentRequest> Requests { get; init; }
}

internal sealed class GeminiEmbedContentRequest
{
    /// <summary><c>models/{model}</c>; must match the model in the URL.</summary>
    public required string Model { get; init; }

    public required GeminiContent Content { get; init; }

    public int? OutputDimensionality { get; init; }
}

internal sealed class GeminiBatchEmbedResponse
{
    public List<GeminiEmbedding>? Embeddings { get; init; }

    /// <summary>Not documented for the Gemini API today; read if a version starts sending it.</summary>
    public GeminiUsageMetadata? UsageMetadata { get; init; }
}

internal sealed class GeminiEmbedding
{
    public float[]? Values { get; init; }
}

internal sealed class GeminiModelList
{
    public List<GeminiModel>? Models { get; init; }

    public string? NextPageToken { get; init; }
}

internal sealed class GeminiModel
{
    /// <summary><c>models/{model}</c>.</summary>
    public string? Name { get; init; }
}

/// <summary>Google's error envelope <c>{"error":{"code","message","status","details"}}</c>.</summary>
internal sealed class GeminiErrorEnvelope
{
    public GeminiErrorBody? Error { get; init; }
}

internal sealed class GeminiErrorBody
{
    public int? Code { get; init; }

    public string? Message { get; init; }

    public string? Status { get; init; }

    public List<JsonElement>? Details { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GeminiRequest))]
[JsonSerializable(typeof(GeminiResponse))]
[JsonSerializable(typeof(GeminiBatchEmbedRequest))]
[JsonSerializable(typeof(GeminiBatchEmbedResponse))]
[JsonSerializable(typeof(GeminiModelList))]
[JsonSerializable(typeof(GeminiErrorEnvelope))]
[JsonSerializable(typeof(List<GeminiErrorEnvelope>))]
internal sealed partial class GeminiJsonContext : JsonSerializerContext;
