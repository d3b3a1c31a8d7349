using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ScaiGrid.Testing.Fakes;

/// <summary>
/// Plays Ollama's native API (docs/api.md): <c>POST /api/chat</c> as one JSON object or, by default,
/// an NDJSON stream ending in a <c>"done": true</c> line with <c>done_reason</c> and token counts;
/// <c>POST /api/embed</c>; <c>GET /api/tags</c>. Errors are <c>{"error":"…"}</c> with the HTTP status.
/// </summary>
public sealed class FakeOllamaServer : FakeUpstreamServer
{
    /// <summary>When set, answers carry it as <c>message.thinking</c> (thinking models with <c>think</c> on).</summary>
    public string? ThinkingText { get; set; }

    public IReadOnlyList<string> Models { get; set; } = ["llama3.2:latest", "all-minilm:latest"];

    public int EmbeddingDimensions { get; set; } = 8;

    protected override void MapRoutes(WebApplication app)
    {
        app.MapPost("/api/chat", (RequestDelegate)ChatAsync);
        app.MapPost("/api/embed", (RequestDelegate)EmbedAsync);
        app.MapGet("/api/tags", (RequestDelegate)TagsAsync);
    }

    private async Task ChatAsync(HttpContext context)
    {
        var (request, scenario) = await BeginAsync(context);
        if (scenario.Kind == FakeScenarioKind.Error)
        {
            await WriteJsonAsync(context.Response, scenario.Status, new { error = scenario.ErrorMessage }, scenario.RetryAfterSeconds);
            return;
        }

        var body = request.Json;
        var model = body.TryGetProperty("model", out var m) ? m.GetString() ?? string.Empty : string.Empty;

        // docs/api.md, "Streaming responses": a chat streams unless the request says "stream": false.
        var stream = !body.TryGetProperty("stream", out var s) || s.ValueKind != JsonValueKind.False;
        if (!stream)
        {
            var message = new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = scenario.Kind == FakeScenarioKind.ToolCall ? string.Empty : scenario.Text };
            if (ThinkingText is not null)
            {
                message["thinking"] = ThinkingText;
            }

            if (scenario.Kind == FakeScenarioKind.ToolCall)
            {
                message["tool_calls"] = ToolCalls(scenario);
            }

            await WriteJsonAsync(context.Response, 200, Final(model, scenario, message));
            return;
        }

        var response = context.Response;
        var ct = context.RequestAborted;
        response.StatusCode = 200;
        response.ContentType = "application/x-ndjson";

        async Task Line(object payload)
        {
            if (scenario.Kind == FakeScenarioKind.SlowStream && scenario.Delay > TimeSpan.Zero)
            {
                await Task.Delay(scenario.Delay, ct);
            }

            await response.WriteAsync(JsonSerializer.Serialize(payload) + "\n", ct);
            await response.Body.FlushAsync(ct);
        }

        object Partial(object message) => new { model, created_at = CreatedAt(), message, done = false };

        if (ThinkingText is not null)
        {
            await Line(Partial(new { role = "assistant", content = string.Empty, thinking = ThinkingText }));
        }

        if (scenario.Kind == FakeScenarioKind.ToolCall)
        {
            // Ollama streams a tool call whole, in one line, then the done line.
            await Line(Partial(new { role = "assistant", content = string.Empty, tool_calls = ToolCalls(scenario) }));
        }
        else
        {
            var first = true;
            foreach (var piece in Split(scenario.Text, scenario.Chunks))
            {
                await Line(Partial(new { role = "assistant", content = piece }));
                if (first && scenario.Kind == FakeScenarioKind.DropMidStream)
                {
                    // A reset discards bytes the client has not read yet; let the first chunk land.
                    await Task.Delay(100, CancellationToken.None);
                    Drop(context);
                    return;
                }

                first = false;
            }
        }

        await Line(Final(model, scenario, new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = string.Empty }));
    }

    private async Task EmbedAsync(HttpContext context)
    {
        var (request, scenario) = await BeginAsync(context);
        if (scenario.Kind == FakeScenarioKind.Error)
        {
            await WriteJsonAsync(context.Response, scenario.Status, new { error = scenario.ErrorMessage }, scenario.RetryAfterSeconds);
            return;
        }

        var body = request.Json;
        var input = body.GetProperty("input");
        var inputs = input.ValueKind == JsonValueKind.Array
            ? input.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray()
            : [input.GetString() ?? string.Empty];
        var dimensions = body.TryGetProperty("dimensions", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : EmbeddingDimensions;
        await WriteJsonAsync(context.Response, 200, new
        {
            model = body.GetProperty("model").GetString(),
            embeddings = inputs.Select(i => Vector(i, dimensions)).ToArray(),
            total_duration = 14_143_917,
            load_duration = 1_019_500,
            prompt_eval_count = inputs.Sum(i => 1 + (i.Length / 4)),
        });
    }

    private async Task TagsAsync(HttpContext context)
    {
        await BeginAsync(context, countsAsCall: false);
        await WriteJsonAsync(context.Response, 200, new
        {
            models = Models.Select(name => new
            {
                name,
                model = name,
                modified_at = "2024-12-07T09:32:18.757212583-08:00",
                size = 3_825_819_519L,
                digest = "fe938a131f40e6f6d40083c9f0f430a515233eb2edaa6d72eb85c50d64f2300e",
                details = new { parent_model = string.Empty, format = "gguf", family = "llama", families = new[] { "llama" }, parameter_size = "3.2B", quantization_level = "Q4_K_M" },
            }).ToArray(),
        });
    }

    private static object Final(string model, FakeScenario scenario, Dictionary<string, object?> message) => new Dictionary<string, object?>
    {
        ["model"] = model,
        ["created_at"] = CreatedAt(),
        ["message"] = message,
        ["done_reason"] = "stop",
        ["done"] = true,
        ["total_duration"] = 4_883_583_458L,
        ["load_duration"] = 1_334_875,
        ["prompt_eval_count"] = scenario.InputTokens,
        ["prompt_eval_duration"] = 342_546_000,
        ["eval_count"] = scenario.OutputTokens,
        ["eval_duration"] = 4_535_599_000L,
    };

    /// <summary>docs/api.md, "Chat request (with tools)": no id, arguments as an object.</summary>
    private static object[] ToolCalls(FakeScenario scenario) =>
    [
        new { function = new { name = scenario.ToolName, arguments = JsonDocument.Parse(scenario.ToolArguments).RootElement } },
    ];

    private static string CreatedAt() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

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
}
