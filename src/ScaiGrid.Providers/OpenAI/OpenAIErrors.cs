using System.Text.Json;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// Maps an OpenAI-dialect error answer to a ScaiGrid error. OpenAI (API reference, "Error codes") and
/// Azure send <c>{"error":{"message","type","param","code"}}</c>; the dialects around it differ:
/// Mistral sends <c>{"object":"error","message",...}</c> at the top level (its <c>message</c> may be
/// an object of validation details), vLLM sends a numeric <c>code</c>, some proxies plain text.
/// </summary>
internal static class OpenAIErrors
{
    private const int MaxMessageLength = 2000;

    public static ScaiGridException Map(ProviderTarget target, int status, string body, int? retryAfterSeconds)
    {
        var parsed = Parse(body);
        var message = Scrub(parsed.Message, target.ApiKey) ?? $"HTTP {status} without an error message.";
        var upstreamCode = parsed.Code ?? parsed.Type;

        if (status == 429)
        {
            return Error(target, ErrorCodes.UpstreamRateLimited, "The upstream provider rate-limited the request.", status, upstreamCode, message, true, retryAfterSeconds);
        }

        if (status is 401 or 403)
        {
            // The client cannot fix ScaiGrid's provider key, so the upstream's words stay in details.
            return Error(target, ErrorCodes.UpstreamAuthFailed, "The upstream rejected the provider credentials.", status, upstreamCode, message, false, null);
        }

        if (status >= 500 || status is 408 or 409)
        {
            return Error(target, ErrorCodes.UpstreamError, $"The upstream failed: {message}", status, upstreamCode, message, true, retryAfterSeconds);
        }

        if (IsContentFilter(parsed))
        {
            return Error(target, ErrorCodes.ContentFiltered, $"The upstream's content filter refused the request: {message}", status, upstreamCode, message, false, null);
        }

        if (IsContextLength(parsed))
        {
            return Error(target, ErrorCodes.ContextLengthExceeded, $"The prompt exceeds the model's context window: {message}", status, upstreamCode, message, false, null);
        }

        return Error(target, ErrorCodes.UpstreamBadRequest, $"The upstream rejected the request: {message}", status, upstreamCode, message, false, null);
    }

    /// <summary>An error object that arrived inside a 200 stream (<c>data: {"error":{...}}</c>).</summary>
    public static ScaiGridException FromStreamError(ProviderTarget target, OpenAIErrorObject error)
    {
        var parsed = new ParsedError(error.Message, error.Type, error.Code, null);
        var message = Scrub(error.Message, target.ApiKey) ?? "The upstream reported an error mid-stream.";
        var code = IsContentFilter(parsed) ? ErrorCodes.ContentFiltered : ErrorCodes.UpstreamError;
        return Error(target, code, $"The upstream failed mid-stream: {message}", null, error.Code ?? error.Type, message, code == ErrorCodes.UpstreamError, null);
    }

    /// <summary>The upstream's words with ScaiGrid's key replaced (OpenAI echoes a masked key; others may not mask).</summary>
    public static string? Scrub(string? message, Secret? key)
    {
        if (message is null)
        {
            return null;
        }

        var secret = key?.Reveal();
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4)
        {
            message = message.Replace(secret, "***", StringComparison.Ordinal);
        }

        return message.Length > MaxMessageLength ? message[..MaxMessageLength] : message;
    }

    internal readonly record struct ParsedError(string? Message, string? Type, string? Code, string? InnerCode);

    internal static ParsedError Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return default;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new ParsedError(body.Trim(), null, null, null);
            }

            if (root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object)
                {
                    return FromObject(error);
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    return new ParsedError(error.GetString(), null, null, null);
                }
            }

            // Mistral and old vLLM: the error fields at the top level; FastAPI validation: "detail".
            if (root.TryGetProperty("message", out _) || root.TryGetProperty("type", out _))
            {
                return FromObject(root);
            }

            return root.TryGetProperty("detail", out var detail) ? new ParsedError(AsText(detail), null, null, null) : new ParsedError(body.Trim(), null, null, null);
        }
        catch (JsonException)
        {
            return new ParsedError(body.Trim(), null, null, null);
        }
    }

    private static ParsedError FromObject(JsonElement error)
    {
        string? innerCode = null;
        if (error.TryGetProperty("innererror", out var inner) && inner.ValueKind == JsonValueKind.Object)
        {
            innerCode = Property(inner, "code");
        }

        return new ParsedError(Property(error, "message"), Property(error, "type"), Property(error, "code"), innerCode);
    }

    private static string? Property(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? AsText(value) : null;

    private static string? AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    private static bool IsContentFilter(ParsedError e) =>
        // OpenAI: content_policy_violation (images); Azure: content_filter, innererror
        // ResponsibleAIPolicyViolation (Azure docs, "Content filtering"); DashScope: data_inspection_failed.
        e.Code is "content_filter" or "content_policy_violation" or "data_inspection_failed"
        || e.InnerCode is "ResponsibleAIPolicyViolation";

    private static bool IsContextLength(ParsedError e) =>
        e.Code is "context_length_exceeded"
        // llama.cpp server: type exceed_context_size_error; vLLM: a BadRequestError whose message names it.
        || e.Type is "exceed_context_size_error"
        || (e.Message?.Contains("maximum context length", StringComparison.OrdinalIgnoreCase) ?? false);

    private static ScaiGridException Error(ProviderTarget target, ErrorCode code, string message, int? status, string? upstreamCode, string upstreamMessage, bool retryable, int? retryAfter) =>
        new(code, message, details: new UpstreamErrorDetails
        {
            Provider = target.ProviderType,
            UpstreamStatus = status,
            UpstreamCode = upstreamCode,
            UpstreamMessage = upstreamMessage,
            Retryable = retryable,
        })
        {
            RetryAfterSeconds = retryAfter,
        };
}
