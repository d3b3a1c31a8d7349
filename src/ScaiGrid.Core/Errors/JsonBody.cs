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

        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken).ConfigureAwait(false)
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
    }
}
