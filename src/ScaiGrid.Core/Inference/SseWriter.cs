using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ScaiGrid.Core.Inference;

/// <summary>
/// Writes server-sent events straight into the response pipe: the JSON of each event is written once,
/// into the pipe's own buffer, and flushed so the client sees it at once (no per-event strings).
/// </summary>
public sealed class SseWriter : IAsyncDisposable
{
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] DataPrefix = "\ndata: "u8.ToArray();
    private static readonly byte[] PlainDataPrefix = "data: "u8.ToArray();
    private static readonly byte[] Terminator = "\n\n"u8.ToArray();
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;

    private SseWriter(HttpResponse response)
    {
        _pipe = response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Sets the event-stream headers; SSE must not be buffered or compressed by proxies (nginx honours X-Accel-Buffering).</summary>
    public static SseWriter Start(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        return new SseWriter(response);
    }

    /// <summary>Writes <c>event: NAME</c> (omitted when null) and one <c>data:</c> line of JSON, then flushes.</summary>
    public async ValueTask WriteAsync(string? eventName, Action<Utf8JsonWriter> writeData, CancellationToken cancellationToken)
    {
        if (eventName is null)
        {
            _pipe.Write(PlainDataPrefix);
        }
        else
        {
            _pipe.Write(EventPrefix);
            WriteAscii(eventName);
            _pipe.Write(DataPrefix);
        }

        _json.Reset(_pipe);
        writeData(_json);
        _json.Flush();
        _pipe.Write(Terminator);
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A raw <c>data:</c> line (e.g. OpenAI's <c>[DONE]</c>).</summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _pipe.Write(PlainDataPrefix);
        _pipe.Write(data.Span);
        _pipe.Write(Terminator);
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _json.DisposeAsync();

    private void WriteAscii(string text)
    {
        var span = _pipe.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        _pipe.Advance(written);
    }
}
