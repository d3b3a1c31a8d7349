using System.Text.Json.Serialization;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Ollama;

// Wire DTOs of Ollama's native API (docs/api.md: "Generate a chat completion", "Generate Embeddings",
// "List Local Models"). Requests are written with Utf8JsonWriter by the translator.

/// <summary>One <c>/api/chat</c> answer, or one NDJSON line of a streamed one; errors come as <c>{"error":"…"}</c>.</summary>
internal sealed class OllamaChatResponse
{
    public string? Model { get; set; }

    public string? CreatedAt { get; set; }

    public OllamaMessage? Message { get; set; }

    public bool Done { get; set; }

    /// <summary>stop, length, load, unload.</summary>
    public string? DoneReason { get; set; }

    public long? PromptEvalCount { get; set; }

    public long? EvalCount { get; set; }

    public string? Error { get; set; }
}

internal sealed class OllamaMessage
{
    public string? Role { get; set; }

    public string? Content { get; set; }

    /// <summary>Thinking models' reasoning when <c>think</c> is on.</summary>
    public string? Thinking { get; set; }

    public List<OllamaToolCall>? ToolCalls { get; set; }
}

internal sealed class OllamaToolCall
{
    public OllamaFunctionCall? Function { get; set; }
}

internal sealed class OllamaFunctionCall
{
    public string? Name { get; set; }

    /// <summary>Ollama sends the arguments as an object, not a string; kept as its raw JSON text.</summary>
    [JsonConverter(typeof(JsonObjectStringConverter))]
    public string? Arguments { get; set; }
}

internal sealed class OllamaEmbedResponse
{
    public string? Model { get; set; }

    public float[][]? Embeddings { get; set; }

    public long? PromptEvalCount { get; set; }
}

internal sealed class OllamaTagList
{
    public List<OllamaTag>? Models { get; set; }
}

internal sealed class OllamaTag
{
    public string? Name { get; set; }

    public string? Model { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OllamaChatResponse))]
[JsonSerializable(typeof(OllamaEmbedResponse))]
[JsonSerializable(typeof(OllamaTagList))]
internal sealed partial class OllamaWireContext : JsonSerializerContext;
