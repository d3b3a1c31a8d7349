using System.Globalization;
using System.Text;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Anthropic;

/// <summary>Canonical chat ⇄ Anthropic Messages API. Pure: no I/O, no clock, no randomness.</summary>
internal static class AnthropicChatTranslator
{
    public const int FallbackMaxTokens = 4096;

    private static readonly JsonElement EmptyObjectSchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static byte[] Serialize(AnthropicRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, AnthropicJsonContext.Default.AnthropicRequest);

    public static AnthropicRequest ToWire(ChatRequest request, ProviderTarget target, bool stream)
    {
        var system = new StringBuilder();
        var messages = new List<AnthropicMessage>(request.Messages.Count);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message.Role == ChatRole.System)
            {
                // The Messages API has no "system" role: system text is the top-level `system` parameter.
                AppendParagraph(system, message.Text);
                continue;
            }

            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            var blocks = ToBlocks(message, i);
            if (blocks.Count == 0)
            {
                continue;
            }

            // The API requires user and assistant turns to alternate, so consecutive same-role messages
            // (several tool results, a tool result then a user remark) become one message.
            if (messages.Count > 0 && messages[^1].Role == role)
            {
                messages[^1].Content.AddRange(blocks);
            }
            else
            {
                messages.Add(new AnthropicMessage { Role = role, Content = blocks });
            }
        }

        AppendParagraph(system, ResponseFormatInstruction(request.ResponseFormat));

        return new AnthropicRequest
        {
            Model = target.UpstreamModel,
            MaxTokens = MaxTokens(request, target),
            Messages = messages,
            System = system.Length == 0 ? null : system.ToString(),
            Temperature = request.Temperature,
            TopP = request.TopP,
            StopSequences = request.Stop is { Count: > 0 } stop ? [.. stop] : null,
            Tools = ToTools(request.Tools),
            ToolChoice = ToToolChoice(request),
            Metadata = string.IsNullOrEmpty(request.User) ? null : new AnthropicMetadata { UserId = request.User },
            Stream = stream ? true : null,
            // Seed has no Anthropic counterpart and is dropped.
        };
    }

    public static ChatResponse FromWire(AnthropicResponse response)
    {
        var text = new StringBuilder();
        StringBuilder? reasoning = null;
        List<ToolCall>? toolCalls = null;
        foreach (var block in response.Content ?? [])
        {
            switch (block.Type)
            {
                case "text":
                    text.Append(block.Text);
                    break;
                case "thinking":
                    (reasoning ??= new StringBuilder()).Append(block.Thinking);
                    break;
                case "tool_use":
                    (toolCalls ??= []).Add(new ToolCall
                    {
                        Id = block.Id ?? string.Empty,
                        Name = block.Name ?? string.Empty,
                        Arguments = ArgumentsString(block.Input),
                    });
                    break;
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
            FinishReason = MapStopReason(response.StopReason),
            Usage = ToUsage(response.Usage, null),
            UpstreamModel = response.Model,
            UpstreamResponseId = response.Id,
        };
    }

    /// <summary>Anthropic stop_reason → canonical finish reason ("Handling stop reasons").</summary>
    public static FinishReason MapStopReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => FinishReason.Length,
        "tool_use" => FinishReason.ToolCalls,
        "refusal" => FinishReason.ContentFilter,
        // end_turn, stop_sequence, pause_turn (a server-tool loop paused; the text so far is usable).
        _ => FinishReason.Stop,
    };

    /// <summary>
    /// Anthropic reports input_tokens without the cached parts, so input = input + cache reads + cache
    /// writes, and cached = cache reads. <paramref name="previous"/> fills what a message_delta omits.
    /// </summary>
    public static Usage ToUsage(AnthropicUsage? usage, Usage? previous)
    {
        if (usage is null)
        {
            return previous ?? Usage.Zero;
        }

        var hasInput = usage.InputTokens is not null || usage.CacheReadInputTokens is not null || usage.CacheCreationInputTokens is not null;
        var cacheRead = usage.CacheReadInputTokens ?? 0;
        return new Usage
        {
            InputTokens = hasInput
                ? (usage.InputTokens ?? 0) + cacheRead + (usage.CacheCreationInputTokens ?? 0)
                : previous?.InputTokens ?? 0,
            CachedInputTokens = hasInput ? cacheRead : previous?.CachedInputTokens ?? 0,
            OutputTokens = usage.OutputTokens ?? previous?.OutputTokens ?? 0,
        };
    }

    /// <summary>A tool_use input object as the canonical JSON-object string.</summary>
    public static string ArgumentsString(JsonElement? input) =>
        input is { ValueKind: JsonValueKind.Object } obj ? obj.GetRawText() : "{}";

    private static int MaxTokens(ChatRequest request, ProviderTarget target)
    {
        if (request.MaxOutputTokens is { } max)
        {
            return max;
        }

        return int.TryParse(target.Setting("default_max_tokens"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var configured) && configured > 0
            ? configured
            : FallbackMaxTokens;
    }

    private static List<AnthropicContentBlock> ToBlocks(ChatMessage message, int index)
    {
        var blocks = new List<AnthropicContentBlock>();
        if (message.Role == ChatRole.Tool)
        {
            if (string.IsNullOrEmpty(message.ToolCallId))
            {
                throw ScaiGridException.Validation($"messages[{index}].tool_call_id", "a tool message needs the id of the call it answers.");
            }

            // Tool results travel as tool_result blocks inside a user message ("Tool use", handling results).
            blocks.Add(new AnthropicContentBlock { Type = "tool_result", ToolUseId = message.ToolCallId, Content = message.Text });
            return blocks;
        }

        foreach (var part in message.Content ?? [])
        {
            if (part.Type == ContentPartType.Text)
            {
                // Empty text blocks are rejected ("text content blocks must be non-empty").
                if (!string.IsNullOrEmpty(part.Text))
                {
                    blocks.Add(new AnthropicContentBlock { Type = "text", Text = part.Text });
                }
            }
            else if (part.Type == ContentPartType.Image)
            {
                blocks.Add(new AnthropicContentBlock { Type = "image", Source = ToImageSource(part, index) });
            }
        }

        // ReasoningContent is not replayed: thinking blocks sent back need Anthropic's signature, which
        // the canonical message does not carry.
        if (message.Role == ChatRole.Assistant)
        {
            foreach (var call in message.ToolCalls ?? [])
            {
                blocks.Add(new AnthropicContentBlock { Type = "tool_use", Id = call.Id, Name = call.Name, Input = ParseArguments(call, index) });
            }
        }

        return blocks;
    }

    private static AnthropicImageSource ToImageSource(ContentPart part, int index)
    {
        if (part.ImageData is { Length: > 0 } data)
        {
            return new AnthropicImageSource { Type = "base64", MediaType = part.MediaType ?? "image/png", Data = data };
        }

        var url = part.ImageUrl;
        if (string.IsNullOrEmpty(url))
        {
            throw ScaiGridException.Validation($"messages[{index}].content", "an image part needs a URL or data.");
        }

        // data:image/png;base64,AAAA → a base64 source; Anthropic does not fetch data: URLs.
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma > 5 ? url[5..comma] : string.Empty;
            if (comma < 0 || !header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw ScaiGridException.Validation($"messages[{index}].content", "an image data URL must be base64-encoded.");
            }

            return new AnthropicImageSource { Type = "base64", MediaType = header[..^";base64".Length], Data = url[(comma + 1)..] };
        }

        return new AnthropicImageSource { Type = "url", Url = url };
    }

    private static JsonElement ParseArguments(ToolCall call, int index)
    {
        if (string.IsNullOrWhiteSpace(call.Arguments))
        {
            return EmptyObject;
        }

        try
        {
            using var doc = JsonDocument.Parse(call.Arguments);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ScaiGridException.Validation($"messages[{index}].tool_calls", "tool call arguments must be a JSON object.");
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw ScaiGridException.Validation($"messages[{index}].tool_calls", "tool call arguments are not valid JSON.");
        }
    }

    private static List<AnthropicTool>? ToTools(IReadOnlyList<ToolDefinition>? tools)
    {
        if (tools is not { Count: > 0 })
        {
            return null;
        }

        var result = new List<AnthropicTool>(tools.Count);
        foreach (var tool in tools)
        {
            result.Add(new AnthropicTool
            {
                Name = tool.Name,
                Description = tool.Description,
                // input_schema is required; a parameterless function is an empty object schema.
                InputSchema = tool.Parameters is { ValueKind: JsonValueKind.Object } schema ? schema : EmptyObjectSchema,
            });
        }

        return result;
    }

    private static AnthropicToolChoice? ToToolChoice(ChatRequest request)
    {
        // disable_parallel_tool_use is a member of tool_choice, not a top-level parameter.
        bool? noParallel = request.ParallelToolCalls == false ? true : null;
        var choice = request.ToolChoice;
        if (choice?.Mode == ToolChoiceMode.Function && string.IsNullOrEmpty(choice.FunctionName))
        {
            throw ScaiGridException.Validation("tool_choice.function.name", "a function tool choice needs the function's name.");
        }

        return choice?.Mode switch
        {
            ToolChoiceMode.Auto => new AnthropicToolChoice { Type = "auto", DisableParallelToolUse = noParallel },
            ToolChoiceMode.Required => new AnthropicToolChoice { Type = "any", DisableParallelToolUse = noParallel },
            ToolChoiceMode.Function => new AnthropicToolChoice { Type = "tool", Name = choice?.FunctionName, DisableParallelToolUse = noParallel },
            ToolChoiceMode.None => request.Tools is { Count: > 0 } ? new AnthropicToolChoice { Type = "none" } : null,
            _ => noParallel == true && request.Tools is { Count: > 0 } ? new AnthropicToolChoice { Type = "auto", DisableParallelToolUse = true } : null,
        };
    }

    /// <summary>
    /// The Messages API (version 2023-06-01) has no response_format field, so JSON output is asked for
    /// in the system prompt. The model usually complies, but nothing on Anthropic's side enforces it.
    /// </summary>
    private static string? ResponseFormatInstruction(ResponseFormat? format) => format?.Type switch
    {
        ResponseFormatType.JsonObject =>
            "Respond only with a single valid JSON object. Do not add any text, explanation or code fences around it.",
        ResponseFormatType.JsonSchema when format.Schema is { } schema =>
            "Respond only with a single valid JSON object that conforms to this JSON Schema. Do not add any text, explanation or code fences around it.\n"
            + schema.GetRawText(),
        ResponseFormatType.JsonSchema =>
            "Respond only with a single valid JSON object. Do not add any text, explanation or code fences around it.",
        _ => null,
    };

    private static void AppendParagraph(StringBuilder sb, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (sb.Length > 0)
        {
            sb.Append("\n\n");
        }

        sb.Append(text);
    }
}
