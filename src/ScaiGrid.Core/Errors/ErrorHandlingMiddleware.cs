using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Core.Errors;

/// <summary>
/// Makes every error a structured envelope: <see cref="ScaiGridException"/> as itself, Kestrel's bad
/// requests (oversized or malformed) by their status, anything unexpected as <c>INTERNAL_ERROR</c> with
/// no stack trace, and bodiless framework statuses (route miss 404, 405, 415) filled in afterwards.
/// </summary>
public sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ScaiGridException ex)
        {
            LogHandled(ex.Code.Code, ex.Message);
            await ErrorResponses.WriteAsync(context, ex).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException ex)
        {
            var code = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorCodes.PayloadTooLarge : ErrorCodes.ForHttpStatus(ex.StatusCode);
            var message = code == ErrorCodes.PayloadTooLarge ? "The request body is larger than this server accepts." : "The request could not be read: " + ex.Message;
            await ErrorResponses.WriteAsync(context, new ScaiGridException(code, message)).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer. 499 is nginx's name for this in access logs.
            LogClientGone();
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = 499;
            }

            return;
        }
        catch (Exception ex)
        {
            LogUnhandled(ex);
            if (context.Response.HasStarted)
            {
                // Mid-stream: the status is gone already; cut the connection so the client sees a failure.
                context.Abort();
                return;
            }

            await ErrorResponses.WriteAsync(context, new ScaiGridException(ErrorCodes.InternalError, "An unexpected error occurred. Quote the request id to the operator.")).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        if (!response.HasStarted && response.StatusCode >= 400 && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
        {
            var code = ErrorCodes.ForHttpStatus(response.StatusCode);
            var message = response.StatusCode switch
            {
                404 => $"No route matches {context.Request.Method} {context.Request.Path}.",
                405 => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
                _ => code.Meaning,
            };
            await ErrorResponses.WriteAsync(context, new ScaiGridException(code, message)).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request failed with {Code}: {Message}")]
    private partial void LogHandled(string code, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client disconnected before the response completed")]
    private partial void LogClientGone();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private partial void LogUnhandled(Exception exception);
}
