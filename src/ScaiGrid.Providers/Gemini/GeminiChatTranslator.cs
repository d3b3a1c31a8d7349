using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Gemini;

/// <summary>Canonical chat ⇄ Gemini generateContent. Pure: no I/O (call ids use a random suffix only).</summary>
internal static class GeminiChatTranslator
{
    public static byte[] Serialize(GeminiRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, GeminiJsonContext.Default.GeminiRequest);

    public static GeminiRequest ToWire(ChatRequest request)
    {
        List<GeminiPart>? system = null;
        var contents = new List<GeminiContent>(request.Messages.Count);

        // Gemini's functionResponse names the function, not the call: remember each call id's function.
        var functionByCallId = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message.Role == ChatRole.System)
            {
                // No system role in contents: system text is the separate systemInstruction.
                if (message.Text is { Length: > 0 } text)
                {
                    (system ??= []).Add(new GeminiPart { Text = text });
                }

                continue;
            }

            var role = message.Role == ChatRole.Assistant ? "model" : "user";
            var parts = message.Role switch
            {
                ChatRole.Tool => [FunctionResponse(message, i, functionByCallId)],
                ChatRole.Assistant => ModelParts(message, i, functionByCallId),
                _ => UserParts(message, i),
            };
            if (parts.Count == 0)
            {
                continue;
            }

            // Consecutive turns of one role become one: parallel function responses must answer in a single
            // user turn, matching the model turn that made the calls ("Function calling", parallel calls).
            if (contents.Count > 0 && contents[^1].Role == role)
            {
                contents[^1].Parts.AddRange(parts);
            }
            else
            {
                contents.Add(new GeminiContent { Role = role, Parts = parts });
            }
        }

        return new GeminiRequest
        {
            Contents = contents,
            SystemInstruction = system is null ? null : new GeminiContent { Parts = system },
            Tools = ToTools(request.Tools),
            ToolConfig = ToToolConfig(request.ToolChoice),
            GenerationConfig = ToGenerationConfig(request),
            // ParallelToolCalls and User have no Gemini counterpart and are dropped.
        };
    }

    public static ChatResponse FromWire(GeminiResponse response)
    {
        var candidate = FirstCandidate(response);
        var text = new StringBuilder();
        StringBuilder? reasoning = null;
        List<ToolCall>? toolCalls = null;
        foreach (var part in candidate?.Content?.Parts ?? [])
        {
            if (part.FunctionCall is { } call)
            {
                toolCalls ??= [];
                toolCalls.Add(ToToolCall(call, toolCalls.Count, part.ThoughtSignature));
            }
            else if (part.Thought == true)
            {
                (reasoning ??= new StringBuilder()).Append(part.Text);
            }
            else if (part.Text is not null)
            {
                text.Append(part.Text);
            }
        }

        return new ChatResponse
        {
            Message = new ChatMessage
            {
                Role = ChatRole.Assistant,
                Content = text.Length == 0 && toolCalls is not null ? null : [ContentPart.FromText(text.ToString())],
                ToolCalls = toolCalls,
                ReasoningContent = reasoning?.ToString(),
            },
            FinishReason = MapFinishReason(candidate?.FinishReason, toolCalls is not null),
            Usage = ToUsage(response.UsageMetadata),
            UpstreamModel = response.ModelVersion,
            UpstreamResponseId = response.ResponseId,
        };
    }

    /// <summary>
    /// The first candidate; a prompt blocked before generation has none and says why in
    /// promptFeedback.blockReason, which is a refusal of the request, not an answer.
    /// </summary>
    public static GeminiCandidate? FirstCandidate(GeminiResponse response)
    {
        if (response.Candidates is { Count: > 0 } candidates)
        {
            return candidates[0];
        }

        if (response.PromptFeedback?.BlockReason is { } reason)
        {
            throw new ScaiGridException(ErrorCodes.ContentFiltered, $"Google blocked the prompt ({reason}).", details: new UpstreamErrorDetails
            {
                Provider = ProviderTypes.Google,
                UpstreamStatus = 200,
                UpstreamCode = reason,
                UpstreamMessage = $"promptFeedback.blockReason: {reason}",
            });
        }

        return null;
    }

    /// <summary>
    /// Gemini finishReason → canonical. STOP also ends a turn that calls functions; Gemini has no
    /// separate "tool calls" reason, so the presence of a functionCall part decides.
    /// </summary>
    public static FinishReason MapFinishReason(string? reason, bool hasFunctionCall) => reason switch
    {
        "MAX_TOKENS" => FinishReason.Length,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => FinishReason.ContentFilter,
        "MALFORMED_FUNCTION_CALL" or "UNEXPECTED_TOOL_CALL" or "OTHER" or "LANGUAGE" => FinishReason.Error,
        _ => hasFunctionCall ? FinishReason.ToolCalls : FinishReason.Stop,
    };

    /// <summary>
    /// promptTokenCount already includes cachedContentTokenCount; thoughtsTokenCount is billed as output
    /// but reported apart from candidatesTokenCount, so output = candidates + thoughts.
    /// </summary>
    public static Usage ToUsage(GeminiUsageMetadata? usage)
    {
        if (usage is null)
        {
            return Usage.Zero;
        }

        var thoughts = usage.ThoughtsTokenCount ?? 0;
        return new Usage
        {
            InputTokens = usage.PromptTokenCount ?? 0,
            CachedInputTokens = usage.CachedContentTokenCount ?? 0,
            OutputTokens = (usage.CandidatesTokenCount ?? 0) + thoughts,
            ReasoningTokens = thoughts,
        };
    }

    public static ToolCall ToToolCall(GeminiFunctionCall call, int index, string? thoughtSignature) => new()
    {
        Id = WithThoughtSignature(string.IsNullOrEmpty(call.Id) ? NewCallId(index) : call.Id, thoughtSignature),
        Name = call.Name ?? string.Empty,
        Arguments = call.Args is { ValueKind: JsonValueKind.Object } args ? args.GetRawText() : "{}",
    };

    /// <summary>Between a call id and the thought signature it carries; ids never contain it otherwise.</summary>
    internal const string ThoughtSignatureMarker = "__ts_";

    /// <summary>
    /// Gemini thinking models sign their function calls (<c>thoughtSignature</c> on the part), and Gemini 3
    /// rejects a follow-up request whose replayed calls lack the signature. Applications only echo back the
    /// tool call id, so the signature rides in it — base64url, so the id stays within <c>[A-Za-z0-9_-]</c>,
    /// which every provider accepts should the conversation later fail over — and is restored on replay.
    /// </summary>
    internal static string WithThoughtSignature(string id, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || !IsBase64(signature))
        {
            return id;
        }

        return id + ThoughtSignatureMarker + signature.TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The signature a call id carries, back in Gemini's base64; null when it carries none.</summary>
    internal static string? ThoughtSignatureOf(string id)
    {
        var at = id.IndexOf(ThoughtSignatureMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var encoded = id[(at + ThoughtSignatureMarker.Length)..].Replace('-', '+').Replace('_', '/');
        return encoded.Length == 0 ? null : encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '=');
    }

    private static bool IsBase64(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '/' or '='))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Gemini's generateContent gives function calls no id, but the canonical contract (and OpenAI
    /// clients) needs one to pair results with calls: <c>call_&lt;n&gt;_&lt;random&gt;</c>.
    /// </summary>
    public static string NewCallId(int index) => $"call_{index}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    private static List<GeminiPart> UserParts(ChatMessage message, int index)
    {
        var parts = new List<GeminiPart>();
        foreach (var part in message.Content ?? [])
        {
            if (part.Type == ContentPartType.Text)
            {
                if (!string.IsNullOrEmpty(part.Text))
                {
                    parts.Add(new GeminiPart { Text = part.Text });
                }
            }
            else if (part.Type == ContentPartType.Image)
            {
                parts.Add(ImagePart(part, index));
            }
        }

        return parts;
    }

    private static List<GeminiPart> ModelParts(ChatMessage message, int index, Dictionary<string, string> functionByCallId)
    {
        // ReasoningContent is not replayed: a thought summary is not the thought, and Gemini needs only the
        // signatures back, which the function calls carry in their ids (see WithThoughtSignature).
        var parts = UserParts(message, index);
        foreach (var call in message.ToolCalls ?? [])
        {
            functionByCallId[call.Id] = call.Name;
            parts.Add(new GeminiPart
            {
                FunctionCall = new GeminiFunctionCall { Name = call.Name, Args = ParseObject(call.Arguments, $"messages[{index}].tool_calls") },
                ThoughtSignature = ThoughtSignatureOf(call.Id),
            });
        }

        return parts;
    }

    private static GeminiPart FunctionResponse(ChatMessage message, int index, Dictionary<string, string> functionByCallId)
    {
        var name = message.ToolCallId is { } id && functionByCallId.TryGetValue(id, out var found) ? found : message.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw ScaiGridException.Validation($"messages[{index}].tool_call_id", "no earlier assistant tool call has this id, and Google needs the function's name.");
        }

        // response must be a JSON object: an object result goes as is, anything else under "result".
        return new GeminiPart { FunctionResponse = new GeminiFunctionResponse { Name = name, Response = TryParseObject(message.Text, out var obj) ? obj : Wrap(message.Text) } };
    }

    private static JsonElement Wrap(string result)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("result", result);
            writer.WriteEndObject();
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static GeminiPart ImagePart(ContentPart part, int index)
    {
        if (part.ImageData is { Length: > 0 } data)
        {
            return new GeminiPart { InlineData = new GeminiBlob { MimeType = part.MediaType ?? "image/png", Data = data } };
        }

        var url = part.ImageUrl;
        if (string.IsNullOrEmpty(url))
        {
            throw ScaiGridException.Validation($"messages[{index}].content", "an image part needs a URL or data.");
        }

        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma > 5 ? url[5..comma] : string.Empty;
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw ScaiGridException.Validation($"messages[{index}].content", "an image data URL must be base64-encoded.");
            }

            return new GeminiPart { InlineData = new GeminiBlob { MimeType = header[..^";base64".Length], Data = url[(comma + 1)..] } };
        }

        // Remote files go by reference (fileData); Gemini wants their MIME type alongside.
        return new GeminiPart { FileData = new GeminiFileData { FileUri = url, MimeType = part.MediaType ?? GuessImageType(url) } };
    }

    private static string? GuessImageType(string url)
    {
        var path = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : url;
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".webp" => "image/webp",
            ".gif" => "image/gif",
            ".heic" => "image/heic",
            _ => null,
        };
    }

    private static List<GeminiTool>? ToTools(IReadOnlyList<ToolDefinition>? tools)
    {
        if (tools is not { Count: > 0 })
        {
            return null;
        }

        var declarations = new List<GeminiFunctionDeclaration>(tools.Count);
        foreach (var tool in tools)
        {
            declarations.Add(new GeminiFunctionDeclaration
            {
                Name = tool.Name,
                Description = tool.Description,
                Parameters = tool.Parameters is { ValueKind: JsonValueKind.Object } schema ? GeminiSchema.Sanitize(schema) : null,
            });
        }

        return [new GeminiTool { FunctionDeclarations = declarations }];
    }

    private static GeminiToolConfig? ToToolConfig(ToolChoice? choice)
    {
        if (choice is null)
        {
            return null;
        }

        if (choice.Mode == ToolChoiceMode.Function && string.IsNullOrEmpty(choice.FunctionName))
        {
            throw ScaiGridException.Validation("tool_choice.function.name", "a function tool choice needs the function's name.");
        }

        var config = choice.Mode switch
        {
            ToolChoiceMode.None => new GeminiFunctionCallingConfig { Mode = "NONE" },
            ToolChoiceMode.Required => new GeminiFunctionCallingConfig { Mode = "ANY" },
            // "Call this function": ANY restricted to one allowed name.
            ToolChoiceMode.Function => new GeminiFunctionCallingConfig { Mode = "ANY", AllowedFunctionNames = [choice.FunctionName!] },
            _ => new GeminiFunctionCallingConfig { Mode = "AUTO" },
        };
        return new GeminiToolConfig { FunctionCallingConfig = config };
    }

    private static GeminiGenerationConfig? ToGenerationConfig(ChatRequest request)
    {
        int? seed = null;
        if (request.Seed is { } s)
        {
            seed = s is >= int.MinValue and <= int.MaxValue
                ? (int)s
                : throw ScaiGridException.Validation("seed", "Google accepts only 32-bit seeds.");
        }

        var format = request.ResponseFormat;
        var json = format?.Type is ResponseFormatType.JsonObject or ResponseFormatType.JsonSchema;
        var config = new GeminiGenerationConfig
        {
            StopSequences = request.Stop is { Count: > 0 } stop ? [.. stop] : null,
            ResponseMimeType = json ? "application/json" : null,
            ResponseSchema = format is { Type: ResponseFormatType.JsonSchema, Schema: { ValueKind: JsonValueKind.Object } schema } ? GeminiSchema.Sanitize(schema) : null,
            MaxOutputTokens = request.MaxOutputTokens,
            Temperature = request.Temperature,
            TopP = request.TopP,
            Seed = seed,
        };

        return config is { StopSequences: null, ResponseMimeType: null, MaxOutputTokens: null, Temperature: null, TopP: null, Seed: null }
            ? null
            : config;
    }

    private static JsonElement ParseObject(string arguments, string param)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }

        return TryParseObject(arguments, out var obj)
            ? obj
            : throw ScaiGridException.Validation(param, "tool call arguments must be a JSON object.");
    }

    private static bool TryParseObject(string text, out JsonElement element)
    {
        element = default;
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            element = doc.RootElement.Clone();
            return element.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
