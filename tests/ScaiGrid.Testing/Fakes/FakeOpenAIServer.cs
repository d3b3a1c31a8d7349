using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ScaiGrid.Testing.Fakes;

/// <summary>Which OpenAI-shaped API a <see cref="FakeOpenAIServer"/> plays where they differ.</summary>
public enum FakeOpenAIFlavor
{
    /// <summary>OpenAI itself (and, on <c>/openai/deployments/…</c> paths, Azure OpenAI); also vLLM-style servers.</summary>
    OpenAI,

    /// <summary>
    /// Mistral: a strict request schema (unknown fields → 422), usage on the finish chunk of every
    /// stream, whole tool calls in one delta, top-level error bodies.
    /// </summary>
    Mistral,

    /// <summary>DashScope compatible mode: OpenAI's shape, <c>request_id</c> on errors, no system fingerprint.</summary>
    Qwen,
}

/// <summary>
/// Plays OpenAI's Chat Completions, Embeddings and Models API byte-faithfully (API reference, "The chat
/// completion object", "The chat completion chunk object", "Error codes"), under any base path
/// (<c>/v1</c>, <c>/compatible-mode/v1</c>) and under Azure's deployment path
/// <c>/openai/deployments/{name}/…?api-version=…</c> with its <c>api-key</c> header.
/// </summary>
public sealed class FakeOpenAIServer(FakeOpenAIFlavor flavor = FakeOpenAIFlavor.OpenAI) : FakeUpstreamServer
{
    private const string AzureDeployments = "/openai/deployments/";

    // Mistral's chat request schema ("Chat Completion" in its API reference); anything else is a 422.
    private static readonly HashSet<string> MistralChatFields =
    [
        "model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "response_format",
        "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n", "prediction", "parallel_tool_calls",
        "safe_prompt", "prompt_mode",
    ];

    public FakeOpenAIFlavor Flavor => flavor;

    /// <summary>When set, a request without this key (Bearer, or <c>api-key</c> on Azure paths) gets a 401.</summary>
    public string? ExpectedApiKey { get; set; }

    /// <summary>Reported as <c>prompt_tokens_details.cached_tokens</c>.</summary>
    public int CachedTokens { get; set; }

    /// <summary>Reported as <c>completion_tokens_details.reasoning_tokens</c>.</summary>
    public int ReasoningTokens { get; set; }

    /// <summary>When set, answers carry it as <c>reasoning_content</c> (Qwen, DeepSeek, vLLM reasoning parsers).</summary>
    public string? ReasoningText { get; set; }

    public IReadOnlyList<string> Models { get; set; } = ["gpt-4o-mini", "text-embedding-3-small"];

    public int EmbeddingDimensions { get; set; } = 8;

    protected override void MapRoutes(WebApplication app)
    {
        app.MapPost("/{**path}", (RequestDelegate)HandlePostAsync);
        app.MapGet("/{**path}", (RequestDelegate)HandleGetAsync);
    }

    private async Task HandlePostAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var (request, scenario) = await BeginAsync(context);
        var azure = path.StartsWith(AzureDeployments, StringComparison.Ordinal);
        if (!await CheckAccessAsync(context, request, azure))
        {
            return;
        }

        JsonElement body;
        try
        {
            body = request.Json;
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context.Response, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null, null, azure);
            return;
        }

        if (scenario.Kind == FakeScenarioKind.Error)
        {
            await WriteErrorAsync(context.Response, scenario.Status, scenario.ErrorMessage, ErrorType(scenario.Status), scenario.ErrorCode ?? DefaultCode(scenario.Status), scenario.RetryAfterSeconds, azure);
            return;
        }

        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            if (flavor == FakeOpenAIFlavor.Mistral && await RejectUnknownFieldsAsync(context.Response, body))
            {
                return;
            }

            var model = azure ? "gpt-4o-2024-08-06" : body.TryGetProperty("model", out var m) ? m.GetString() ?? "unknown" : "unknown";
            var stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
                && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            if (stream)
            {
                await StreamChatAsync(context, scenario, model, includeUsage, azure);
            }
            else
            {
                await WriteJsonAsync(context.Response, 200, Completion(scenario, model, azure));
            }

            return;
        }

        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await WriteJsonAsync(context.Response, 200, Embeddings(body));
            return;
        }

        await WriteErrorAsync(context.Response, 404, $"Invalid URL (POST {path})", "invalid_request_error", null, null, azure);
    }

    private async Task HandleGetAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var (request, _) = await BeginAsync(context, countsAsCall: false);
        if (!await CheckAccessAsync(context, request, azure: false))
        {
            return;
        }

        if (!path.EndsWith("/models", StringComparison.Ordinal))
        {
            await WriteErrorAsync(context.Response, 404, $"Invalid URL (GET {path})", "invalid_request_error", null, null, false);
            return;
        }

        var owner = flavor == FakeOpenAIFlavor.Mistral ? "mistralai" : "system";
        await WriteJsonAsync(context.Response, 200, new
        {
            @object = "list",
            data = Models.Select(id => new { id, @object = "model", created = 1_715_367_049, owned_by = owner }).ToArray(),
        });
    }

    /// <summary>Azure needs <c>api-version</c> and <c>api-key</c>; everyone else a Bearer token.</summary>
    private async Task<bool> CheckAccessAsync(HttpContext context, RecordedRequest request, bool azure)
    {
        if (azure && !context.Request.Query.ContainsKey("api-version"))
        {
            await WriteJsonAsync(context.Response, 404, new { error = new { code = "404", message = "Resource not found" } });
            return false;
        }

        if (ExpectedApiKey is null)
        {
            return true;
        }

        var presented = azure ? request.Header("api-key") : request.Header("authorization") is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null;
        if (presented == ExpectedApiKey)
        {
            return true;
        }

        if (azure)
        {
            await WriteJsonAsync(context.Response, 401, new
            {
                error = new
                {
                    code = "401",
                    message = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
                },
            });
        }
        else if (flavor == FakeOpenAIFlavor.Mistral)
        {
            await WriteJsonAsync(context.Response, 401, new { message = "Unauthorized", request_id = RequestId() });
        }
        else
        {
            var message = presented is null
                ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                : $"Incorrect API key provided: {Mask(presented)}. You can find your API key at https://platform.openai.com/account/api-keys.";
            await WriteErrorAsync(context.Response, 401, message, "invalid_request_error", presented is null ? null : "invalid_api_key", null, false);
        }

        return false;
    }

    private static async Task<bool> RejectUnknownFieldsAsync(HttpResponse response, JsonElement body)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (!MistralChatFields.Contains(property.Name))
            {
                // Mistral answers schema violations with 422 and the validation detail as the message.
                await WriteJsonAsync(response, 422, new
                {
                    @object = "error",
                    message = new { detail = new[] { new { type = "extra_forbidden", loc = new[] { "body", property.Name }, msg = "Extra inputs are not permitted", input = property.Value } } },
                    type = "invalid_request_message_error",
                    param = (string?)null,
                    code = (string?)null,
                });
                return true;
            }
        }

        return false;
    }

    private object Completion(FakeScenario scenario, string model, bool azure)
    {
        var toolCall = scenario.Kind == FakeScenarioKind.ToolCall;
        var message = new Dictionary<string, object?>
        {
            ["role"] = "assistant",
            ["content"] = toolCall ? null : scenario.Text,
        };
        if (ReasoningText is not null)
        {
            message["reasoning_content"] = ReasoningText;
        }

        if (toolCall)
        {
            message["tool_calls"] = new[]
            {
                new { id = ToolCallId(), type = "function", function = new { name = scenario.ToolName, arguments = scenario.ToolArguments } },
            };
        }

        if (flavor == FakeOpenAIFlavor.OpenAI)
        {
            message["refusal"] = null;
            message["annotations"] = Array.Empty<object>();
        }

        var choice = new Dictionary<string, object?>
        {
            ["index"] = 0,
            ["message"] = message,
            ["logprobs"] = null,
            ["finish_reason"] = toolCall ? "tool_calls" : "stop",
        };
        if (azure)
        {
            choice["content_filter_results"] = ContentFilterResults();
        }

        var completion = new Dictionary<string, object?>
        {
            ["id"] = CompletionId(),
            ["object"] = "chat.completion",
            ["created"] = Created(),
            ["model"] = model,
            ["choices"] = new[] { choice },
            ["usage"] = Usage(scenario),
        };
        if (flavor != FakeOpenAIFlavor.Mistral)
        {
            completion["system_fingerprint"] = flavor == FakeOpenAIFlavor.Qwen ? null : "fp_fake01";
        }

        if (azure)
        {
            completion["prompt_filter_results"] = new[] { new { prompt_index = 0, content_filter_results = ContentFilterResults() } };
        }

        return completion;
    }

    private async Task StreamChatAsync(HttpContext context, FakeScenario scenario, string model, bool includeUsage, bool azure)
    {
        var response = context.Response;
        var ct = context.RequestAborted;
        var id = CompletionId();
        var created = Created();
        var mistral = flavor == FakeOpenAIFlavor.Mistral;

        // API reference, "stream_options": with include_usage every chunk has "usage": null except the last.
        Dictionary<string, object?> Chunk(object? delta, string? finish, object? usage = null, bool withUsageField = true)
        {
            var choice = new Dictionary<string, object?> { ["index"] = 0, ["delta"] = delta };
            if (!mistral)
            {
                choice["logprobs"] = null;
            }

            choice["finish_reason"] = finish;
            var chunk = new Dictionary<string, object?>
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new[] { choice },
            };
            if (!mistral)
            {
                chunk["system_fingerprint"] = flavor == FakeOpenAIFlavor.Qwen ? null : "fp_fake01";
            }

            if ((includeUsage && withUsageField) || usage is not null)
            {
                chunk["usage"] = usage;
            }

            return chunk;
        }

        async Task Send(object payload)
        {
            if (scenario.Kind == FakeScenarioKind.SlowStream && scenario.Delay > TimeSpan.Zero)
            {
                await Task.Delay(scenario.Delay, ct);
            }

            await WriteSseAsync(response, null, JsonSerializer.Serialize(payload), ct);
        }

        StartSse(response);
        if (azure)
        {
            // Azure docs, "Content filtering": the first chunk carries only the prompt's filter results.
            await Send(new Dictionary<string, object?>
            {
                ["choices"] = Array.Empty<object>(),
                ["created"] = 0,
                ["id"] = string.Empty,
                ["model"] = string.Empty,
                ["object"] = string.Empty,
                ["prompt_filter_results"] = new[] { new { prompt_index = 0, content_filter_results = ContentFilterResults() } },
            });
        }

        if (scenario.Kind == FakeScenarioKind.ToolCall)
        {
            var callId = ToolCallId();
            if (mistral)
            {
                // Mistral streams each tool call whole, in one delta.
                await Send(Chunk(new { role = "assistant", content = string.Empty }, null));
                await Send(Chunk(new { tool_calls = new[] { new { id = callId, function = new { name = scenario.ToolName, arguments = scenario.ToolArguments }, index = 0 } } }, null));
            }
            else
            {
                await Send(Chunk(new { role = "assistant", content = (string?)null, tool_calls = new[] { new { index = 0, id = callId, type = "function", function = new { name = scenario.ToolName, arguments = string.Empty } } }, refusal = (string?)null }, null));
                foreach (var fragment in Split(scenario.ToolArguments, 3))
                {
                    await Send(Chunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = fragment } } } }, null));
                }
            }

            await FinishAsync("tool_calls");
            return;
        }

        await Send(Chunk(new { role = "assistant", content = string.Empty, refusal = (string?)null }, null));
        if (ReasoningText is not null)
        {
            foreach (var piece in Split(ReasoningText, 2))
            {
                await Send(Chunk(new { content = (string?)null, reasoning_content = piece }, null));
            }
        }

        var first = true;
        foreach (var piece in Split(scenario.Text, scenario.Chunks))
        {
            await Send(Chunk(new { content = piece }, null));
            if (first && scenario.Kind == FakeScenarioKind.DropMidStream)
            {
                // A reset discards bytes the client has not read yet; let the first chunk land.
                await Task.Delay(100, CancellationToken.None);
                Drop(context);
                return;
            }

            first = false;
        }

        await FinishAsync("stop");

        async Task FinishAsync(string reason)
        {
            if (mistral)
            {
                await Send(Chunk(new { content = string.Empty }, reason, Usage(scenario)));
            }
            else
            {
                await Send(Chunk(new Dictionary<string, object?>(), reason));
                if (includeUsage)
                {
                    var last = Chunk(null, null, Usage(scenario));
                    last["choices"] = Array.Empty<object>();
                    await Send(last);
                }
            }

            await WriteSseAsync(response, null, "[DONE]", ct);
        }
    }

    private object Embeddings(JsonElement body)
    {
        var inputs = body.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array
            ? input.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray()
            : [input.ValueKind == JsonValueKind.String ? input.GetString() ?? string.Empty : string.Empty];
        var dimensions = body.TryGetProperty("dimensions", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32()
            : body.TryGetProperty("output_dimension", out var od) && od.ValueKind == JsonValueKind.Number ? od.GetInt32()
            : EmbeddingDimensions;
        var tokens = inputs.Sum(i => 1 + (i.Length / 4));

        // API reference, "encoding_format": base64 carries the little-endian float32 bytes (the
        // official SDKs ask for it by default).
        var base64 = body.TryGetProperty("encoding_format", out var ef) && ef.ValueEquals("base64");
        return new
        {
            @object = "list",
            data = inputs.Select((text, index) => new
            {
                @object = "embedding",
                index,
                embedding = base64 ? (object)Convert.ToBase64String(MemoryMarshal.AsBytes(Vector(text, dimensions).AsSpan())) : Vector(text, dimensions),
            }).ToArray(),
            model = body.TryGetProperty("model", out var m) ? m.GetString() : null,
            usage = new { prompt_tokens = tokens, total_tokens = tokens },
        };
    }

    private object Usage(FakeScenario scenario)
    {
        if (flavor == FakeOpenAIFlavor.Mistral)
        {
            return new { prompt_tokens = scenario.InputTokens, total_tokens = scenario.InputTokens + scenario.OutputTokens, completion_tokens = scenario.OutputTokens };
        }

        return new
        {
            prompt_tokens = scenario.InputTokens,
            completion_tokens = scenario.OutputTokens,
            total_tokens = scenario.InputTokens + scenario.OutputTokens,
            prompt_tokens_details = new { cached_tokens = CachedTokens, audio_tokens = 0 },
            completion_tokens_details = new { reasoning_tokens = ReasoningTokens, audio_tokens = 0, accepted_prediction_tokens = 0, rejected_prediction_tokens = 0 },
        };
    }

    private async Task WriteErrorAsync(HttpResponse response, int status, string message, string? type, string? code, int? retryAfter, bool azure)
    {
        object body;
        if (azure)
        {
            body = code == "content_filter"
                ? new { error = new { message, type = (string?)null, param = "prompt", code, status, innererror = new { code = "ResponsibleAIPolicyViolation", content_filter_result = ContentFilterResults(filtered: true) } } }
                : new { error = new { code = code ?? status.ToString(CultureInfo.InvariantCulture), message } };
        }
        else if (flavor == FakeOpenAIFlavor.Mistral)
        {
            body = status is 401 or 429
                ? new { message, request_id = RequestId() }
                : new { @object = "error", message, type, param = (string?)null, code };
        }
        else if (flavor == FakeOpenAIFlavor.Qwen)
        {
            body = new { error = new { message, type, param = (string?)null, code }, request_id = RequestId() };
        }
        else
        {
            body = new { error = new { message, type, param = code == "context_length_exceeded" ? "messages" : null, code } };
        }

        await WriteJsonAsync(response, status, body, retryAfter);
    }

    private static string ErrorType(int status) => status switch
    {
        429 => "requests",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    private static string? DefaultCode(int status) => status switch
    {
        401 => "invalid_api_key",
        404 => "model_not_found",
        429 => "rate_limit_exceeded",
        _ => null,
    };

    private static object ContentFilterResults(bool filtered = false) => new
    {
        hate = new { filtered, severity = filtered ? "high" : "safe" },
        self_harm = new { filtered = false, severity = "safe" },
        sexual = new { filtered = false, severity = "safe" },
        violence = new { filtered = false, severity = "safe" },
    };

    private static float[] Vector(string text, int dimensions)
    {
        var seed = (uint)StringComparer.Ordinal.GetHashCode(text);
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            seed = (seed * 1_664_525) + 1_013_904_223;
            vector[i] = ((seed >> 8) / (float)(1 << 24)) - 0.5f;
        }

        return vector;
    }

    private string CompletionId() => flavor == FakeOpenAIFlavor.Mistral
        ? Guid.NewGuid().ToString("N")
        : "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];

    private string ToolCallId() => flavor == FakeOpenAIFlavor.Mistral
        ? Guid.NewGuid().ToString("N")[..9]
        : "call_" + Guid.NewGuid().ToString("N")[..24];

    private static string RequestId() => Guid.NewGuid().ToString();

    private static long Created() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>OpenAI echoes a wrong key masked: its first three and last four characters.</summary>
    private static string Mask(string key) => key.Length < 8 ? "***" : string.Concat(key.AsSpan(0, 3), new string('*', key.Length - 7), key.AsSpan(key.Length - 4));
}
