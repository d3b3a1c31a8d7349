using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Http;

/// <summary>
/// Reading an upstream body can fail after the status line was fine: the connection drops mid-stream,
/// or the upstream sends bytes that are not its wire format. Both must reach the dispatcher as a
/// ScaiGrid error (retryable: another backend may well answer), never as a raw IOException; a
/// cancellation by our own caller stays a cancellation.
/// </summary>
public static class UpstreamStreamGuard
{
    /// <summary>Yields <paramref name="source"/>, turning transport and parse failures into UPSTREAM_ERROR.</summary>
    public static async IAsyncEnumerable<T> GuardAsync<T>(
        IAsyncEnumerable<T> source,
        ProviderTarget target,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // C# forbids yield inside try/catch, so MoveNext is guarded and the yield happens outside.
        var enumerator = source.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                bool moved;
                try
                {
                    moved = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsUpstreamFault(ex, cancellationToken))
                {
                    throw Translate(target, ex);
                }

                if (!moved)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads a non-streamed JSON answer, turning transport and parse failures (and a JSON <c>null</c>) into
    /// UPSTREAM_ERROR. The hot path's form of <see cref="ReadAsync{T}"/>: no closure, no extra task per call.
    /// </summary>
    public static async Task<T> ReadJsonAsync<T>(HttpContent content, JsonTypeInfo<T> type, ProviderTarget target, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await UpstreamJson.DeserializeAsync(content, type, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException("the answer was null.");
        }
        catch (Exception ex) when (IsUpstreamFault(ex, cancellationToken))
        {
            throw Translate(target, ex);
        }
    }

    /// <summary>Runs a body read (non-streamed answer), turning transport and parse failures into UPSTREAM_ERROR.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, ProviderTarget target, CancellationToken cancellationToken)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUpstreamFault(ex, cancellationToken))
        {
            throw Translate(target, ex);
        }
    }

    private static bool IsUpstreamFault(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        ScaiGridException => false,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        IOException or HttpRequestException or JsonException => true,
        _ => false,
    };

    private static ScaiGridException Translate(ProviderTarget target, Exception ex) => ex is JsonException
        ? UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream sent a body that is not its documented format.", null)
        : UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream connection failed while the answer was being read.", null);
}
