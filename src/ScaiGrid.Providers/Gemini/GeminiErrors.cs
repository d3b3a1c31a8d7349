using System.Globalization;
using System.Text.Json;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Gemini;

/// <summary>
/// Google API errors (<c>{"error":{"code","message","status","details"}}</c>, the google.rpc.Status JSON
/// mapping) to ScaiGrid codes.
/// </summary>
internal static class GeminiErrors
{
    public static ScaiGridException FromResponse(int status, string body, int? retryAfterSeconds, Secret? apiKey = null)
    {
        var error = Parse(body);
        var message = Scrub(error?.Message ?? Truncate(body), apiKey);
        return Create(status, error?.Status, message, retryAfterSeconds ?? RetryDelay(error));
    }

    /// <summary>An error that arrived as a chunk of a 200 stream.</summary>
    public static ScaiGridException FromStreamChunk(GeminiErrorBody error) =>
        Create(error.Code ?? 500, error.Status, error.Message ?? "The upstream stream reported an error.", RetryDelay(error));

    private static ScaiGridException Create(int status, string? rpcStatus, string message, int? retryAfterSeconds)
    {
        var (code, retryable) = Classify(status, rpcStatus, message);
        var details = new UpstreamErrorDetails
        {
            Provider = ProviderTypes.Google,
            UpstreamStatus = status,
            UpstreamCode = rpcStatus,
            UpstreamMessage = message,
            Retryable = retryable,
        };

        return new ScaiGridException(code, $"Google returned {status} {rpcStatus ?? "error"}: {message}", details: details)
        {
            RetryAfterSeconds = code == ErrorCodes.UpstreamRateLimited || status == 503 ? retryAfterSeconds : null,
        };
    }

    private static (ErrorCode Code, bool Retryable) Classify(int status, string? rpcStatus, string message)
    {
        // A wrong key is 400 INVALID_ARGUMENT "API key not valid. Please pass a valid API key." (reason
        // API_KEY_INVALID), not 401: it is still the gateway's credential that failed.
        if (status == 400 && message.Contains("API key not valid", StringComparison.OrdinalIgnoreCase))
        {
            return (ErrorCodes.UpstreamAuthFailed, false);
        }

        if (status == 429 || rpcStatus == "RESOURCE_EXHAUSTED")
        {
            return (ErrorCodes.UpstreamRateLimited, true);
        }

        return status switch
        {
            // "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
            400 when message.Contains("exceeds the maximum number of tokens", StringComparison.OrdinalIgnoreCase)
                || (message.Contains("token count", StringComparison.OrdinalIgnoreCase) && message.Contains("exceed", StringComparison.OrdinalIgnoreCase))
                => (ErrorCodes.ContextLengthExceeded, false),
            400 => (ErrorCodes.UpstreamBadRequest, false),
            401 or 403 => (ErrorCodes.UpstreamAuthFailed, false),
            // An unknown model name at this backend is the gateway's configuration, not the caller's request.
            404 => (ErrorCodes.UpstreamError, false),
            >= 500 => (ErrorCodes.UpstreamError, true),
            _ => (ErrorCodes.UpstreamBadRequest, false),
        };
    }

    private static GeminiErrorBody? Parse(string body)
    {
        var trimmed = body.AsSpan().TrimStart();
        if (trimmed.IsEmpty)
        {
            return null;
        }

        try
        {
            // streamGenerateContent without alt=sse answers errors as a JSON array of envelopes.
            return trimmed[0] == '['
                ? JsonSerializer.Deserialize(body, GeminiJsonContext.Default.ListGeminiErrorEnvelope)?.FirstOrDefault()?.Error
                : JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GeminiErrorEnvelope)?.Error;
        }
        catch (JsonException)
        {
            // A load balancer's HTML page, for example.
            return null;
        }
    }

    /// <summary>
    /// Google puts the wait in a google.rpc.RetryInfo detail (<c>"retryDelay": "22s"</c>) rather than a
    /// Retry-After header; a header, when present, wins.
    /// </summary>
    private static int? RetryDelay(GeminiErrorBody? error)
    {
        foreach (var detail in error?.Details ?? [])
        {
            if (detail.ValueKind == JsonValueKind.Object
                && detail.TryGetProperty("@type", out var type)
                && type.GetString() == "type.googleapis.com/google.rpc.RetryInfo"
                && detail.TryGetProperty("retryDelay", out var delay)
                && delay.GetString() is { } text
                && text.EndsWith('s')
                && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                return (int)Math.Ceiling(seconds);
            }
        }

        return null;
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500];

    private static string Scrub(string message, Secret? apiKey)
    {
        var key = apiKey?.Reveal();
        return string.IsNullOrEmpty(key) ? message : message.Replace(key, "***", StringComparison.Ordinal);
    }
}
