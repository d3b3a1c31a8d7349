using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Core.OpenAICompat;

namespace ScaiGrid.Core.Errors;

/// <summary>
/// Writes the native error envelope <c>{"error":{"code","message","request_id",…}}</c>, or OpenAI's
/// <c>{"error":{"message","type","param","code"}}</c> on the OpenAI-compatible surface (by path prefix).
/// </summary>
public static class ErrorResponses
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static ErrorEnvelope Envelope(HttpContext context, ScaiGridException error) => new(new ErrorBody
    {
        Code = error.Code.Code,
        Message = error.Message,
        RequestId = context.TraceIdentifier,
        Param = error.Param,
        Details = error.Details,
    });

    /// <summary>Writes <paramref name="error"/> with its HTTP status, unless the response has started.</summary>
    public static async Task WriteAsync(HttpContext context, ScaiGridException error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.Clear();
        response.Headers["X-Request-ID"] = context.TraceIdentifier;
        var openAI = OpenAIErrors.AppliesTo(context);
        response.StatusCode = openAI ? OpenAIErrors.StatusFor(error.Code) : error.Code.HttpStatus;
        if (error.RetryAfterSeconds is { } retry)
        {
            response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json; charset=utf-8";
        if (openAI)
        {
            await OpenAIErrors.WriteBodyAsync(response, error, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await JsonSerializer.SerializeAsync(response.Body, Envelope(context, error), JsonOptions, context.RequestAborted).ConfigureAwait(false);
    }
}
