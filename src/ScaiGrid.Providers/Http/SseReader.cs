using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace ScaiGrid.Providers.Http;

/// <summary>One server-sent event: its <c>event:</c> name (null when absent) and its joined <c>data:</c> lines.</summary>
public readonly record struct SseEvent(string? Event, string Data);

/// <summary>
/// Reads text/event-stream (per the WHATWG HTML "server-sent events" parsing rules: lines ending in
/// LF, CR or CRLF; comment lines start with ':'; an empty line dispatches) and NDJSON line streams,
/// straight from the response stream without buffering the body.
/// </summary>
public static class SseReader
{
    public static async IAsyncEnumerable<SseEvent> ReadEventsAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? eventName = null;
        var data = new StringBuilder();
        var hasData = false;
        await foreach (var line in ReadLinesAsync(body, cancellationToken).ConfigureAwait(false))
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return new SseEvent(eventName, data.ToString());
                }

                eventName = null;
                data.Clear();
                hasData = false;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.Length > 0 && value[0] == ' ')
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    eventName = value;
                    break;
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
            }
        }

        // A stream that ends without the final blank line still delivers its last event.
        if (hasData)
        {
            yield return new SseEvent(eventName, data.ToString());
        }
    }

    /// <summary>Lines of a UTF-8 stream (LF, CRLF or CR terminated), without terminators.</summary>
    public static async IAsyncEnumerable<string> ReadLinesAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(body, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            var skipLeadingLf = false;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, ref skipLeadingLf, out var line))
                {
                    yield return line;
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        yield return Encoding.UTF8.GetString(buffer);
                    }

                    reader.AdvanceTo(buffer.End);
                    yield break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, ref bool skipLeadingLf, out string line)
    {
        if (skipLeadingLf && !buffer.IsEmpty)
        {
            if (buffer.FirstSpan[0] == (byte)'\n')
            {
                buffer = buffer.Slice(1);
            }

            skipLeadingLf = false;
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadToAny(out ReadOnlySequence<byte> slice, "\r\n"u8, advancePastDelimiter: false))
        {
            line = string.Empty;
            return false;
        }

        reader.TryRead(out var terminator);
        line = Encoding.UTF8.GetString(slice);
        buffer = buffer.Slice(reader.Position);
        if (terminator == (byte)'\r')
        {
            skipLeadingLf = true;
        }

        return true;
    }
}
