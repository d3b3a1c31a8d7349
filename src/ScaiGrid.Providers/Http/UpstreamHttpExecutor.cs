using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Http;

/// <summary>
/// Turns an upstream's non-2xx answer (status, body text, Retry-After seconds) into a ScaiGrid error. The target
/// is a parameter, not captured, so providers pass one static method instead of a closure per call.
/// </summary>
public delegate ScaiGridException UpstreamErrorMapper(ProviderTarget target, int status, string body, int? retryAfterSeconds);

/// <summary>Timeouts the executor applies to every upstream call.</summary>
public sealed record UpstreamTimeouts
{
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>From sending the request to receiving the response headers (the upstream's first byte).</summary>
    public TimeSpan FirstByte { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>
/// The one HTTP executor every provider uses: a pooled <see cref="SocketsHttpHandler"/> per provider id,
/// responses streamed through (never buffered whole), error bodies turned into ScaiGrid errors by the
/// provider's own mapper, connect and first-byte timeouts. Cancellation aborts the upstream request.
/// </summary>
public sealed class UpstreamHttpExecutor : IDisposable
{
    private const int MaxErrorBodyBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.Ordinal);
    private readonly UpstreamTimeouts _timeouts;

    public UpstreamHttpExecutor(UpstreamTimeouts? timeouts = null)
    {
        _timeouts = timeouts ?? new UpstreamTimeouts();
    }

    /// <summary>
    /// Sends the request and returns the response once its headers arrived with a 2xx status. The caller
    /// owns the response and reads its body as a stream. Non-2xx answers throw the mapper's exception.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        ProviderTarget target,
        HttpRequestMessage request,
        UpstreamErrorMapper mapErrors,
        CancellationToken cancellationToken)
    {
        var client = _clients.GetOrAdd(target.ProviderId, _ => CreateClient());
        using var firstByte = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        firstByte.CancelAfter(_timeouts.FirstByte);

        HttpResponseMessage response;
        try
        {
            // HttpMessageInvoker.SendAsync returns once headers are read; content stays unbuffered.
            response = await client.SendAsync(request, firstByte.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(target, ErrorCodes.UpstreamTimeout, "The upstream did not answer in time.", null);
        }
        catch (HttpRequestException ex) when (ex.InnerException is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Failure(target, ErrorCodes.UpstreamTimeout, "Connecting to the upstream timed out.", null);
        }
        catch (HttpRequestException ex)
        {
            throw Failure(target, ErrorCodes.UpstreamError, $"Could not reach the upstream: {Describe(ex)}", null);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadBoundedAsync(response.Content, cancellationToken).ConfigureAwait(false);
            throw mapErrors(target, (int)response.StatusCode, body, RetryAfterSeconds(response));
        }
    }

    /// <summary>An error for a failure with no upstream answer (connect error, timeout): always retryable.</summary>
    public static ScaiGridException Failure(ProviderTarget target, ErrorCode code, string message, int? status) =>
        new(code, message, details: new UpstreamErrorDetails
        {
            Provider = target.ProviderType,
            UpstreamStatus = status,
            UpstreamMessage = message,
            Retryable = true,
        });

    public static int? RetryAfterSeconds(HttpResponseMessage response)
    {
        var retry = response.Headers.RetryAfter;
        if (retry?.Delta is { } delta)
        {
            return (int)Math.Ceiling(delta.TotalSeconds);
        }

        if (retry?.Date is { } date)
        {
            return Math.Max(0, (int)Math.Ceiling((date - DateTimeOffset.UtcNow).TotalSeconds));
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
    }

    private HttpMessageInvoker CreateClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = _timeouts.Connect,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        EnableMultipleHttp2Connections = true,
    });

    private static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException se => se.SocketErrorCode.ToString(),
        { } inner => inner.Message,
        null => ex.Message,
    };

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }
}
