using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScaiGrid.Providers.OpenAI;

// Wire DTOs of the OpenAI Chat Completions, Embeddings and Models APIs (API reference: "The chat
// completion object", "The chat completion chunk object", "The embedding object", "The model object").
// Only what ScaiGrid reads is declared; requests are written with Utf8JsonWriter by the translator.
// Numbers are nullable because OpenAI-compatible servers (vLLM, llama.cpp, DashScope) send nulls
// where OpenAI sends 0.

internal sealed class OpenAIChatCompletion
{
    public string? Id { get; set; }

    public string? Model { get; set; }

    public List<OpenAIChoice>? Choices { get; set; }

    public OpenAIUsage? Usage { get; set; }
}

internal sealed class OpenAIChoice
{
    public int? Index { get; set; }

    public OpenAIMessage? Message { get; set; }

    public string? FinishReason { get; set; }
}

/// <summary>A response message, or a stream delta (same fields, all optional).</summary>
internal sealed class OpenAIMessage
{
    public string? Role { get; set; }

    [JsonConverter(typeof(OpenAIContentConverter))]
    public OpenAIContent? Content { get; set; }

    /// <summary>DeepSeek, Qwen (DashScope) and vLLM's reasoning parsers put the chain of thought here.</summary>
    public string? ReasoningContent { get; set; }

    /// <summary>Newer vLLM and OpenRouter name the same field <c>reasoning</c>.</summary>
    public string? Reasoning { get; set; }

    public string? Refusal { get; set; }

    public List<OpenAIToolCall>? ToolCalls { get; set; }
}

internal sealed class OpenAIToolCall
{
    /// <summary>Only in stream deltas: which call a fragment belongs to.</summary>
    public int? Index { get; set; }

    public string? Id { get; set; }

    public string? Type { get; set; }

    public OpenAIFunctionCall? Function { get; set; }
}

internal sealed class OpenAIFunctionCall
{
    public string? Name { get; set; }

    [JsonConverter(typeof(JsonObjectStringConverter))]
    public string? Arguments { get; set; }
}

internal sealed class OpenAIUsage
{
    public long? PromptTokens { get; set; }

    public long? CompletionTokens { get; set; }

    public long? TotalTokens { get; set; }

    public OpenAIPromptTokensDetails? PromptTokensDetails { get; set; }

    public OpenAICompletionTokensDetails? CompletionTokensDetails { get; set; }
}

internal sealed class OpenAIPromptTokensDetails
{
    public long? CachedTokens { get; set; }
}

internal sealed class OpenAICompletionTokensDetails
{
    public long? ReasoningTokens { get; set; }
}

/// <summary>One <c>chat.completion.chunk</c>; a mid-stream failure arrives as a chunk with only <c>error</c>.</summary>
internal sealed class OpenAIChunk
{
    public string? Id { get; set; }

    public string? Model { get; set; }

    public List<OpenAIChunkChoice>? Choices { get; set; }

    public OpenAIUsage? Usage { get; set; }

    public OpenAIErrorObject? Error { get; set; }
}

internal sealed class OpenAIChunkChoice
{
    public int? Index { get; set; }

    public OpenAIMessage? Delta { get; set; }

    public string? FinishReason { get; set; }
}

internal sealed class OpenAIErrorObject
{
    [JsonConverter(typeof(LenientStringConverter))]
    public string? Message { get; set; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? Type { get; set; }

    [JsonConverter(typeof(LenientStringConverter))]
    public string? Code { get; set; }
}

internal sealed class OpenAIEmbeddingList
{
    public List<OpenAIEmbedding>? Data { get; set; }

    public string? Model { get; set; }

    public OpenAIUsage? Usage { get; set; }
}

internal sealed class OpenAIEmbedding
{
    public int? Index { get; set; }

    public float[]? Embedding { get; set; }
}

internal sealed class OpenAIModelList
{
    public List<OpenAIModel>? Data { get; set; }
}

internal sealed class OpenAIModel
{
    public string? Id { get; set; }
}

/// <summary>Message content: a string, or (Mistral's reasoning models) an array of typed chunks.</summary>
internal sealed record OpenAIContent(string? Text, string? Thinking);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(OpenAIChatCompletion))]
[JsonSerializable(typeof(OpenAIChunk))]
[JsonSerializable(typeof(OpenAIEmbeddingList))]
[JsonSerializable(typeof(OpenAIModelList))]
internal sealed partial class OpenAIWireContext : JsonSerializerContext;

/// <summary>
/// Reads <c>content</c> as a plain string, or as an array of chunks: <c>{"type":"text","text"}</c> and
/// Mistral's <c>{"type":"thinking","thinking":[{"type":"text","text"}]}</c> (Mistral docs, "Reasoning").
/// </summary>
internal sealed class OpenAIContentConverter : JsonConverter<OpenAIContent?>
{
    public override bool HandleNull => true;

    public override OpenAIContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return new OpenAIContent(reader.GetString(), null);
            case JsonTokenType.StartArray:
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    var text = new StringBuilder();
                    var thinking = new StringBuilder();
                    foreach (var part in doc.RootElement.EnumerateArray())
                    {
                        AppendPart(part, text, thinking);
                    }

                    return new OpenAIContent(text.Length > 0 ? text.ToString() : null, thinking.Length > 0 ? thinking.ToString() : null);
                }

            default:
                throw new JsonException("message content must be a string, an array or null.");
        }
    }

    public override void Write(Utf8JsonWriter writer, OpenAIContent? value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value?.Text);

    private static void AppendPart(JsonElement part, StringBuilder text, StringBuilder thinking)
    {
        if (part.ValueKind == JsonValueKind.String)
        {
            text.Append(part.GetString());
            return;
        }

        if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type))
        {
            return;
        }

        if (type.ValueEquals("text") && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
        {
            text.Append(t.GetString());
        }
        else if (type.ValueEquals("thinking") && part.TryGetProperty("thinking", out var th))
        {
            if (th.ValueKind == JsonValueKind.String)
            {
                thinking.Append(th.GetString());
            }
            else if (th.ValueKind == JsonValueKind.Array)
            {
                foreach (var inner in th.EnumerateArray())
                {
                    AppendPart(inner, thinking, thinking);
                }
            }
        }
    }
}

/// <summary>
/// Tool-call arguments leave ScaiGrid as a JSON-object string. OpenAI sends a string; some compatible
/// servers and Ollama send the object itself, which is kept as its raw JSON text.
/// </summary>
internal sealed class JsonObjectStringConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            default:
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    return doc.RootElement.GetRawText();
                }
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>Error fields that servers send as a string, a number (vLLM's <c>code: 400</c>) or an object.</summary>
internal sealed class LenientStringConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString(CultureInfo.InvariantCulture);
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            default:
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    return doc.RootElement.GetRawText();
                }
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
