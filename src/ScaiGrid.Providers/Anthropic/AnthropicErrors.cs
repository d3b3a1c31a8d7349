using System.Text.Json;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Anthropic;

/// <summary>
/// Anthropic error bodies (<c>{"type":"error","error":{"type","message"}}</c>, "Errors" reference page)
/// to ScaiGrid codes. The HTTP status decides first; the error type refines it.
/// </summary>
internal static class AnthropicErrors
{
    /// <summary>Maps a non-2xx answer. <paramref name="apiKey"/> is scrubbed from the upstream message.</summary>
    public static ScaiGridException FromResponse(int status, string body, int? retryAfterSeconds, Secret? apiKey = null)
    {
        var (type, message) = Parse(body);
        message = Scrub(message ?? Truncate(body), apiKey);
        return Create(status, type, message, retryAfterSeconds);
    }

    /// <summary>
    /// Maps an <c>error</c> event that arrives inside a 200 stream ("Streaming Messages", error events).
    /// There is no HTTP status there, so the status the type stands for in a non-streaming call is used
    /// (overloaded_error is 529).
    /// </summary>
    public static ScaiGridException FromStreamError(string? type, string? message) =>
        Create(StatusForType(type), type, message ?? "The upstream stream reported an error.", null);

    private static ScaiGridException Create(int status, string? type, string message, int? retryAfterSeconds)
    {
        var (code, retryable) = Classify(status, type, message);
        var details = new UpstreamErrorDetails
        {
            Provider = ProviderTypes.Anthropic,
            UpstreamStatus = status,
            UpstreamCode = type,
            UpstreamMessage = message,
            Retryable = retryable,
        };

        return new ScaiGridException(code, $"Anthropic returned {status} {type ?? "error"}: {message}", details: details)
        {
            RetryAfterSeconds = code == ErrorCodes.UpstreamRateLimited || status is 503 or 529 ? retryAfterSeconds : null,
        };
    }

    private static (ErrorCode Code, bool Retryable) Classify(int status, string? type, string message)
    {
        if (type == "overloaded_error" || status == 529)
        {
            return (ErrorCodes.UpstreamError, true);
        }

        if (type == "rate_limit_error" || status == 429)
        {
            return (ErrorCodes.UpstreamRateLimited, true);
        }

        return status switch
        {
            // The context-window overflow is an ordinary invalid_request_error; only the message tells
            // it apart ("prompt is too long: 208656 tokens > 200000 maximum").
            400 when message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase) => (ErrorCodes.ContextLengthExceeded, false),
            400 => (ErrorCodes.UpstreamBadRequest, false),
            401 or 403 => (ErrorCodes.UpstreamAuthFailed, false),
            // 413 request_too_large comes from Cloudflare before the API: the body is over 32 MB.
            413 => (ErrorCodes.ContextLengthExceeded, false),
            // A model this backend cannot find is the gateway's configuration, not the caller's request.
            404 => (ErrorCodes.UpstreamError, false),
            408 => (ErrorCodes.UpstreamTimeout, true),
            409 => (ErrorCodes.UpstreamError, true),
            >= 500 => (ErrorCodes.UpstreamError, true),
            _ => (ErrorCodes.UpstreamBadRequest, false),
        };
    }

    private static int StatusForType(string? type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        _ => 500,
    };

    private static (string? Type, string? Message) Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            var envelope = JsonSerializer.Deserialize(body, AnthropicJsonContext.Default.AnthropicErrorEnvelope);
            return (envelope?.Error?.Type, envelope?.Error?.Message);
        }
        catch (JsonException)
        {
            // Proxies in front of the API (Cloudflare's 413, gateways' 502) answer with HTML or text.
            return (null, null);
        }
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500];

    private static string Scrub(string message, Secret? apiKey)
    {
        var key = apiKey?.Reveal();
        return string.IsNullOrEmpty(key) ? message : message.Replace(key, "***", StringComparison.Ordinal);
    }
}
