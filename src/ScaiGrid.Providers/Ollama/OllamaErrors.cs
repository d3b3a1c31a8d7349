using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Ollama;

/// <summary>
/// Ollama answers failures with an HTTP status and <c>{"error":"…"}</c> (docs/api.md, "Errors"):
/// 404 for a model that is not pulled, 400 for a bad request, 5xx when the runner fails, and 429/401
/// from ollama.com or a proxy in front of it.
/// </summary>
internal static class OllamaErrors
{
    public static ScaiGridException Map(ProviderTarget target, int status, string body, int? retryAfterSeconds)
    {
        var message = OpenAIErrors.Scrub(OpenAIErrors.Parse(body).Message, target.ApiKey) ?? $"HTTP {status} without an error message.";
        return status switch
        {
            429 => Error(target, ErrorCodes.UpstreamRateLimited, "The upstream provider rate-limited the request.", status, message, true, retryAfterSeconds),
            401 or 403 => Error(target, ErrorCodes.UpstreamAuthFailed, "The upstream rejected the provider credentials.", status, message, false, null),
            >= 500 or 408 => Error(target, ErrorCodes.UpstreamError, $"The upstream failed: {message}", status, message, true, retryAfterSeconds),
            _ when message.Contains("context length", StringComparison.OrdinalIgnoreCase) =>
                Error(target, ErrorCodes.ContextLengthExceeded, $"The prompt exceeds the model's context window: {message}", status, message, false, null),
            _ => Error(target, ErrorCodes.UpstreamBadRequest, $"The upstream rejected the request: {message}", status, message, false, null),
        };
    }

    /// <summary>A <c>{"error":"…"}</c> line inside a 200 NDJSON stream: the runner failed mid-answer.</summary>
    public static ScaiGridException FromStreamError(ProviderTarget target, string error)
    {
        var message = OpenAIErrors.Scrub(error, target.ApiKey) ?? error;
        return Error(target, ErrorCodes.UpstreamError, $"The upstream failed mid-stream: {message}", null, message, true, null);
    }

    private static ScaiGridException Error(ProviderTarget target, ErrorCode code, string message, int? status, string upstreamMessage, bool retryable, int? retryAfter) =>
        new(code, message, details: new UpstreamErrorDetails
        {
            Provider = target.ProviderType,
            UpstreamStatus = status,
            UpstreamMessage = upstreamMessage,
            Retryable = retryable,
        })
        {
            RetryAfterSeconds = retryAfter,
        };
}
