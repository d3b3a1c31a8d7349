using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Core.OpenAICompat;

/// <summary>
/// ScaiGrid errors in OpenAI's dialect (API reference, "Error codes"): the body
/// <c>{"error":{"message","type","param","code"}}</c> with the ScaiGrid code in <c>code</c>, and only the
/// statuses OpenAI documents for the 5xx range (500, 503) so clients' retry logic behaves as against OpenAI.
/// The shared <see cref="Errors.ErrorResponses"/> writer picks this dialect for every path under
/// <see cref="PathPrefix"/>, whatever raised the error (auth, routing, body limits, the endpoint itself).
/// </summary>
internal static class OpenAIErrors
{
    public const string PathPrefix = "/oai";

    public static bool AppliesTo(HttpContext context) => context.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>4xx statuses stay as they are; 502 and 504 (not in OpenAI's table) become 500 and 503.</summary>
    public static int StatusFor(ErrorCode code) => code.HttpStatus switch
    {
        502 => StatusCodes.Status500InternalServerError,
        504 => StatusCodes.Status503ServiceUnavailable,
        var status => status,
    };

    /// <summary>The <c>error.type</c> OpenAI's SDKs and clients key on, by status (quota exhaustion has its own).</summary>
    public static string TypeFor(ErrorCode code)
    {
        if (code == ErrorCodes.BudgetExceeded)
        {
            // OpenAI answers an exhausted quota with 429 and type insufficient_quota, which clients must not retry.
            return "insufficient_quota";
        }

        return StatusFor(code) switch
        {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            429 => "rate_limit_error",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        };
    }

    /// <summary>Writes <c>{"error":{…}}</c>: the error response body, and the mid-stream error event.</summary>
    public static void Write(Utf8JsonWriter w, ScaiGridException error)
    {
        w.WriteStartObject();
        w.WritePropertyName("error");
        w.WriteStartObject();
        w.WriteString("message", error.Message);
        w.WriteString("type", TypeFor(error.Code));
        if (error.Param is { } param)
        {
            w.WriteString("param", param);
        }
        else
        {
            w.WriteNull("param");
        }

        w.WriteString("code", error.Code.Code);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The body of an error response; status and headers are set by the shared writer.</summary>
    public static async Task WriteBodyAsync(HttpResponse response, ScaiGridException error, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        Write(writer, error);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
