using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ScaiGrid.Providers.Http;

/// <summary>Parses a non-streamed upstream JSON answer.</summary>
public static class UpstreamJson
{
    /// <summary>Answers up to this size (the usual chat completion is a few KiB) are read whole, then parsed.</summary>
    private const int MaxBufferedBytes = 1024 * 1024;

    /// <summary>
    /// With a Content-Length under 1 MiB, reads the body into one pooled buffer and parses it synchronously —
    /// cheaper than the serializer's async path, which re-buffers the stream in chunks; larger or chunked
    /// bodies take that async path. Transport and format failures surface as IOException / JsonException,
    /// for <see cref="UpstreamStreamGuard"/> or the provider to translate.
    /// </summary>
    public static async Task<T?> DeserializeAsync<T>(HttpContent content, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (content.Headers.ContentLength is not { } length || length > MaxBufferedBytes)
        {
            return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false);
        }

        var size = (int)length;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            var total = 0;
            while (total < size)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(total, size - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"The upstream body ended after {total} of its {size} bytes.");
                }

                total += read;
            }

            return JsonSerializer.Deserialize(buffer.AsSpan(0, size), type);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
