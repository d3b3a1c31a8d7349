using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ScaiGrid.Testing.Fakes;

/// <summary>
/// Plays the Anthropic Messages API (<c>POST /v1/messages</c>) byte-faithfully: the message object, the
/// full named-event SSE sequence (message_start, content_block_start, ping, content_block_delta…,
/// content_block_stop, message_delta, message_stop), tool_use input streamed as input_json_delta
/// fragments, and error bodies <c>{"type":"error","error":{"type","message"},"request_id"}</c>.
/// Point a target's base URL at <see cref="FakeUpstreamServer.BaseUrl"/>.
/// </summary>
public sealed class FakeAnthropicServer : FakeUpstreamServer
{
    protected override void MapRoutes(WebApplication app)
    {
        app.MapPost("/v1/messages", HandleMessagesAsync);
    }

    /// <summary>The error type Anthropic sends with an HTTP status ("Errors" reference page).</summary>
    public static string ErrorTypeFor(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    };

    private async Task HandleMessagesAsync(HttpContext context)
    {
        var (request, scenario) = await BeginAsync(context);
        var response = context.Response;
        if (string.IsNullOrEmpty(request.Header("x-api-key")))
        {
            await WriteErrorAsync(response, 401, "authentication_error", "x-api-key header is required", null);
            return;
        }

        if (string.IsNullOrEmpty(request.Header("anthropic-version")))
        {
            await WriteErrorAsync(response, 400, "invalid_request_error", "anthropic-version: header is required", null);
            return;
        }

        JsonElement json;
        try
        {
            json = request.Json;
        }
        catch (JsonException)
        {
            await WriteErrorAsync(response, 400, "invalid_request_error", "There was an issue with your request body: invalid JSON", null);
            return;
        }

        if (!json.TryGetProperty("max_tokens", out _))
        {
            await WriteErrorAsync(response, 400, "invalid_request_error", "max_tokens: Field required", null);
            return;
        }

        var model = json.TryGetProperty("model", out var m) ? m.GetString() ?? "claude" : "claude";
        var stream = json.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var ct = context.RequestAborted;
        switch (scenario.Kind)
        {
            case FakeScenarioKind.Error:
                await WriteErrorAsync(response, scenario.Status, scenario.ErrorCode ?? ErrorTypeFor(scenario.Status), scenario.ErrorMessage, scenario.RetryAfterSeconds);
                return;
            case FakeScenarioKind.SlowStream when !stream:
                await Task.Delay(scenario.Delay, ct);
                break;
        }

        if (stream)
        {
            await StreamAsync(context, scenario, model, ct);
            return;
        }

        var body = JsonSerializer.Serialize(Message(scenario, model, final: true));
        response.StatusCode = 200;
        response.ContentType = "application/json";
        if (scenario.Kind == FakeScenarioKind.DropMidStream)
        {
            await response.WriteAsync(body[..(body.Length / 2)], ct);
            await response.Body.FlushAsync(ct);
            Drop(context);
            return;
        }

        await response.WriteAsync(body, ct);
    }

    private static async Task StreamAsync(HttpContext context, FakeScenario scenario, string model, CancellationToken ct)
    {
        var response = context.Response;
        StartSse(response);
        var delay = scenario.Kind == FakeScenarioKind.SlowStream ? scenario.Delay : TimeSpan.Zero;
        var drop = scenario.Kind == FakeScenarioKind.DropMidStream;

        await EventAsync(response, "message_start", new { type = "message_start", message = Message(scenario, model, final: false) }, ct);
        var toolCall = scenario.Kind == FakeScenarioKind.ToolCall;
        object startBlock = toolCall
            ? new { type = "tool_use", id = NewId("toolu_01"), name = scenario.ToolName, input = new { } }
            : new { type = "text", text = string.Empty };
        await EventAsync(response, "content_block_start", new { type = "content_block_start", index = 0, content_block = startBlock }, ct);
        await EventAsync(response, "ping", new { type = "ping" }, ct);

        // Tool input arrives as partial JSON strings; the first fragment is often empty.
        var pieces = toolCall ? Split(scenario.ToolArguments, scenario.Chunks).Prepend(string.Empty) : Split(scenario.Text, scenario.Chunks);
        var sent = 0;
        foreach (var piece in pieces)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, ct);
            }

            object delta = toolCall
                ? new { type = "input_json_delta", partial_json = piece }
                : new { type = "text_delta", text = piece };
            await EventAsync(response, "content_block_delta", new { type = "content_block_delta", index = 0, delta }, ct);
            if (drop && ++sent >= (toolCall ? 2 : 1))
            {
                // An abort resets the socket, which can discard bytes still in flight; give the first
                // chunk time to reach the client so the test sees "a chunk, then a dead connection".
                await Task.Delay(100, ct);
                Drop(context);
                return;
            }
        }

        await EventAsync(response, "content_block_stop", new { type = "content_block_stop", index = 0 }, ct);
        await EventAsync(response, "message_delta", new
        {
            type = "message_delta",
            delta = new { stop_reason = toolCall ? "tool_use" : "end_turn", stop_sequence = (string?)null },
            usage = new { output_tokens = scenario.OutputTokens },
        }, ct);
        await EventAsync(response, "message_stop", new { type = "message_stop" }, ct);
    }

    /// <summary>The Message object; in message_start it has empty content and no stop_reason yet.</summary>
    private static object Message(FakeScenario scenario, string model, bool final)
    {
        object[] content = !final
            ? []
            : scenario.Kind == FakeScenarioKind.ToolCall
                ? [new { type = "tool_use", id = NewId("toolu_01"), name = scenario.ToolName, input = JsonDocument.Parse(scenario.ToolArguments).RootElement }]
                : [new { type = "text", text = scenario.Text }];
        string? stopReason = !final ? null : scenario.Kind == FakeScenarioKind.ToolCall ? "tool_use" : "end_turn";
        return new
        {
            id = NewId("msg_01"),
            type = "message",
            role = "assistant",
            model,
            content,
            stop_reason = stopReason,
            stop_sequence = (string?)null,
            usage = new
            {
                input_tokens = scenario.InputTokens,
                cache_creation_input_tokens = 0,
                cache_read_input_tokens = 0,
                output_tokens = final ? scenario.OutputTokens : 1,
            },
        };
    }

    private static Task EventAsync(HttpResponse response, string name, object data, CancellationToken ct) =>
        WriteSseAsync(response, name, JsonSerializer.Serialize(data), ct);

    private static Task WriteErrorAsync(HttpResponse response, int status, string type, string message, int? retryAfter) =>
        WriteJsonAsync(response, status, new { type = "error", error = new { type, message }, request_id = NewId("req_01") }, retryAfter);

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..22];
}
