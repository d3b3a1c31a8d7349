using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ScaiGrid.Testing.Fakes;

/// <summary>
/// Plays the Gemini API v1beta byte-faithfully: <c>models/{model}:generateContent</c>,
/// <c>:streamGenerateContent</c> (with <c>alt=sse</c>: <c>data: {json}\r\n\r\n</c> frames, CRLF as Google
/// sends them; without it: one JSON array), <c>:batchEmbedContents</c>, <c>GET /models</c>, and errors as
/// <c>{"error":{"code","message","status"}}</c> with a google.rpc.RetryInfo detail when a 429 scripts a wait.
/// Point a target's base URL at <see cref="ApiBaseUrl"/>.
/// </summary>
public sealed class FakeGeminiServer : FakeUpstreamServer
{
    /// <summary>The models <c>GET /v1beta/models</c> lists.</summary>
    public IReadOnlyList<string> ModelNames { get; set; } = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"];

    /// <summary>The base URL a Gemini target uses: the server root plus <c>v1beta</c>.</summary>
    public Uri ApiBaseUrl => new(BaseUrl, "v1beta");

    /// <summary>The google.rpc status name for an HTTP status.</summary>
    public static string StatusFor(int status) => status switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    };

    protected override void MapRoutes(WebApplication app)
    {
        app.MapGet("/v1beta/models", HandleListAsync);
        app.MapPost("/v1beta/models/{**modelAndMethod}", HandleModelAsync);
    }

    private async Task HandleListAsync(HttpContext context)
    {
        var (request, _) = await BeginAsync(context, countsAsCall: false);
        if (!HasKey(request))
        {
            await WriteMissingKeyAsync(context.Response);
            return;
        }

        var models = ModelNames.Select(name => new
        {
            name = "models/" + name,
            version = "001",
            displayName = name,
            inputTokenLimit = 1048576,
            outputTokenLimit = 65536,
            supportedGenerationMethods = name.Contains("embedding", StringComparison.Ordinal)
                ? new[] { "embedContent", "countTextTokens", "countTokens" }
                : ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
        });
        await WriteJsonAsync(context.Response, 200, new { models });
    }

    private async Task HandleModelAsync(HttpContext context)
    {
        var (request, scenario) = await BeginAsync(context);
        var response = context.Response;
        if (!HasKey(request))
        {
            await WriteMissingKeyAsync(response);
            return;
        }

        var target = (string?)context.Request.RouteValues["modelAndMethod"] ?? string.Empty;
        var colon = target.LastIndexOf(':');
        var model = colon < 0 ? target : target[..colon];
        var method = colon < 0 ? string.Empty : target[(colon + 1)..];
        if (scenario.Kind == FakeScenarioKind.Error)
        {
            await WriteErrorAsync(response, scenario.Status, scenario.ErrorCode ?? StatusFor(scenario.Status), scenario.ErrorMessage, scenario.RetryAfterSeconds);
            return;
        }

        var ct = context.RequestAborted;
        switch (method)
        {
            case "generateContent":
                if (scenario.Kind == FakeScenarioKind.SlowStream)
                {
                    await Task.Delay(scenario.Delay, ct);
                }

                var body = JsonSerializer.Serialize(Chunk(scenario, model, ResponseParts(scenario), finish: true, scenario.OutputTokens));
                response.StatusCode = 200;
                response.ContentType = "application/json; charset=UTF-8";
                if (scenario.Kind == FakeScenarioKind.DropMidStream)
                {
                    await response.WriteAsync(body[..(body.Length / 2)], ct);
                    await response.Body.FlushAsync(ct);
                    await Task.Delay(100, ct);
                    Drop(context);
                    return;
                }

                await response.WriteAsync(body, ct);
                return;
            case "streamGenerateContent":
                await StreamAsync(context, scenario, model, sse: context.Request.Query["alt"] == "sse", ct);
                return;
            case "batchEmbedContents":
                await EmbedAsync(response, request);
                return;
            default:
                await WriteErrorAsync(response, 404, "NOT_FOUND", $"Method {method} is not found for model {model}.", null);
                return;
        }
    }

    private static async Task StreamAsync(HttpContext context, FakeScenario scenario, string model, bool sse, CancellationToken ct)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = sse ? "text/event-stream" : "application/json; charset=UTF-8";
        var delay = scenario.Kind == FakeScenarioKind.SlowStream ? scenario.Delay : TimeSpan.Zero;

        // Text streams as one chunk per piece; a function call comes whole in one chunk.
        var chunks = new List<object>();
        if (scenario.Kind == FakeScenarioKind.ToolCall)
        {
            chunks.Add(Chunk(scenario, model, ResponseParts(scenario), finish: true, scenario.OutputTokens));
        }
        else
        {
            var pieces = Split(scenario.Text, scenario.Chunks).ToList();
            for (var i = 0; i < pieces.Count; i++)
            {
                var last = i == pieces.Count - 1;
                chunks.Add(Chunk(scenario, model, [new { text = pieces[i] }], finish: last, last ? scenario.OutputTokens : null));
            }
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            if (delay > TimeSpan.Zero && i > 0)
            {
                await Task.Delay(delay, ct);
            }

            var json = JsonSerializer.Serialize(chunks[i]);
            var frame = sse ? $"data: {json}\r\n\r\n" : (i == 0 ? "[" : ",\r\n") + json;
            await response.WriteAsync(frame, ct);
            await response.Body.FlushAsync(ct);
            if (scenario.Kind == FakeScenarioKind.DropMidStream)
            {
                await Task.Delay(100, ct);
                Drop(context);
                return;
            }
        }

        if (!sse)
        {
            await response.WriteAsync("]", ct);
        }
    }

    private static async Task EmbedAsync(HttpResponse response, RecordedRequest request)
    {
        var embeddings = new List<object>();
        foreach (var item in request.Json.GetProperty("requests").EnumerateArray())
        {
            var text = item.GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString() ?? string.Empty;
            var dimensions = item.TryGetProperty("outputDimensionality", out var d) ? d.GetInt32() : 8;
            embeddings.Add(new { values = Vector(text, dimensions) });
        }

        await WriteJsonAsync(response, 200, new { embeddings });
    }

    /// <summary>A deterministic vector per text, so equal inputs embed equally.</summary>
    private static float[] Vector(string text, int dimensions)
    {
        var seed = 17;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            seed = unchecked((seed * 31) + b);
        }

        var random = new Random(seed);
        return Enumerable.Range(0, dimensions).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>
    /// The opaque signature this fake puts on its function-call parts, as Gemini thinking models do (Gemini 3
    /// requires it back on the replayed call). Base64 with '+', '/' and padding, like the real ones.
    /// </summary>
    public static readonly string ThoughtSignature = Convert.ToBase64String([0xFB, 0xEF, 0xFF, 0x01, 0x7E, 0x3F, 0xBF, 0xA0, 0x11, 0x22]);

    private static object[] ResponseParts(FakeScenario scenario) => scenario.Kind == FakeScenarioKind.ToolCall
        ? [new { functionCall = new { name = scenario.ToolName, args = JsonDocument.Parse(scenario.ToolArguments).RootElement }, thoughtSignature = ThoughtSignature }]
        : [new { text = scenario.Text }];

    /// <summary>
    /// One GenerateContentResponse. finishReason and candidatesTokenCount only on the last chunk; every
    /// chunk carries usageMetadata with the prompt count, as Gemini does.
    /// </summary>
    private static object Chunk(FakeScenario scenario, string model, object[] parts, bool finish, int? outputTokens)
    {
        object candidate = finish
            ? new { content = new { parts, role = "model" }, finishReason = "STOP", index = 0 }
            : new { content = new { parts, role = "model" }, index = 0 };
        object usage = outputTokens is { } output
            ? new
            {
                promptTokenCount = scenario.InputTokens,
                candidatesTokenCount = output,
                totalTokenCount = scenario.InputTokens + output,
                promptTokensDetails = new[] { new { modality = "TEXT", tokenCount = scenario.InputTokens } },
            }
            : new
            {
                promptTokenCount = scenario.InputTokens,
                totalTokenCount = scenario.InputTokens,
                promptTokensDetails = new[] { new { modality = "TEXT", tokenCount = scenario.InputTokens } },
            };
        return new { candidates = new[] { candidate }, usageMetadata = usage, modelVersion = model, responseId = ResponseId(scenario) };
    }

    private static string ResponseId(FakeScenario scenario) => "fake" + (scenario.GetHashCode() & 0x7fffffff).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    private static bool HasKey(RecordedRequest request) =>
        !string.IsNullOrEmpty(request.Header("x-goog-api-key")) || request.Query.Contains("key=", StringComparison.Ordinal);

    private static Task WriteMissingKeyAsync(HttpResponse response) =>
        WriteErrorAsync(response, 403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.", null);

    private static Task WriteErrorAsync(HttpResponse response, int status, string rpcStatus, string message, int? retryAfter)
    {
        // Google states the wait in the body (google.rpc.RetryInfo), not in a Retry-After header.
        object error = retryAfter is { } seconds
            ? new
            {
                code = status,
                message,
                status = rpcStatus,
                details = new[] { new Dictionary<string, string> { ["@type"] = "type.googleapis.com/google.rpc.RetryInfo", ["retryDelay"] = $"{seconds}s" } },
            }
            : new { code = status, message, status = rpcStatus };
        return WriteJsonAsync(response, status, new { error });
    }
}
