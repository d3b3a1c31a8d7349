using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;

namespace ScaiGrid.Core.Errors;

/// <summary>
/// Reads a JSON request body once into <typeparamref name="T"/>, turning every failure into a
/// structured error that names the offending field (System.Text.Json's JSON path).
/// </summary>
public static class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) && !contentType.Contains("+json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ScaiGridException(ErrorCodes.UnsupportedMediaType, $"Content-Type must be application/json, not '{contentType}'.");
        }

        // The whole body first (Kestrel enforces the size limit while it arrives), then one synchronous parse of
        // the buffered bytes: cheaper than the serializer's async path, which re-buffers the stream in chunks.
        var body = request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        try
        {
            return Parse(read.Buffer, typeInfo)
                   ?? throw new ScaiGridException(ErrorCodes.InvalidJson, "The request body must be a JSON object, not null.");
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? null : ex.Path.TrimStart('$', '.');
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            // A reader error means the document itself is broken; otherwise a field has the wrong type.
            var malformed = path is null || ex.InnerException?.GetType().Name == "JsonReaderException";
            throw malformed
                ? new ScaiGridException(ErrorCodes.InvalidJson, $"The request body is not valid JSON{where}.")
                : new ScaiGridException(ErrorCodes.ValidationError, $"{path}: has the wrong type or shape{where}.", path);
        }
        finally
        {
            body.AdvanceTo(read.Buffer.End);
        }
    }

    private static T? Parse<T>(ReadOnlySequence<byte> utf8, JsonTypeInfo<T> typeInfo)
    {
        var options = typeInfo.Options;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.ReadCommentHandling,
            MaxDepth = options.MaxDepth,
        });
        var value = JsonSerializer.Deserialize(ref reader, typeInfo);
        // Deserialize(ref reader) stops after one value; the body must hold nothing else (this throws if it does).
        if (reader.Read())
        {
            throw new JsonException("The request body holds more than one JSON value.");
        }

        return value;
    }
}
