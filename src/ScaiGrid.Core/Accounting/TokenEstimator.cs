using System.Text;
using ScaiGrid.Abstractions.Chat;

namespace ScaiGrid.Core.Accounting;

/// <summary>
/// An upper bound of a request's input tokens, for budget reservations. Byte-pair tokenizers never emit
/// more tokens than the UTF-8 bytes they read, so bytes (plus per-message and per-image allowances) bound
/// the real count from above; settlement corrects to the upstream's figure.
/// </summary>
public static class TokenEstimator
{
    private const int PerMessage = 8;
    private const int PerImage = 2_000;
    private const int PerRequest = 16;

    public static long InputUpperBound(ChatRequest request)
    {
        // Indexed loops: foreach over an IReadOnlyList boxes an enumerator per list, per request.
        long total = PerRequest;
        var messages = request.Messages;
        for (var m = 0; m < messages.Count; m++)
        {
            var message = messages[m];
            total += PerMessage;
            if (message.Content is { } parts)
            {
                for (var p = 0; p < parts.Count; p++)
                {
                    var part = parts[p];
                    total += part.Type == ContentPartType.Image ? PerImage : Encoding.UTF8.GetByteCount(part.Text ?? string.Empty);
                }
            }

            if (message.ToolCalls is { } calls)
            {
                for (var c = 0; c < calls.Count; c++)
                {
                    total += Encoding.UTF8.GetByteCount(calls[c].Name) + Encoding.UTF8.GetByteCount(calls[c].Arguments) + PerMessage;
                }
            }
        }

        if (request.Tools is { } tools)
        {
            for (var t = 0; t < tools.Count; t++)
            {
                var tool = tools[t];
                total += Encoding.UTF8.GetByteCount(tool.Name) + Encoding.UTF8.GetByteCount(tool.Description ?? string.Empty)
                         + (tool.Parameters is { } schema ? Encoding.UTF8.GetByteCount(schema.GetRawText()) : 0);
            }
        }

        return total;
    }

    /// <summary>A realistic input count (about four bytes a token) for streams cut before the upstream reported usage.</summary>
    public static long InputApproximate(ChatRequest request) => (InputUpperBound(request) + 3) / 4;

    public static long InputUpperBound(IReadOnlyList<string> inputs)
    {
        long total = PerRequest;
        foreach (var input in inputs)
        {
            total += Encoding.UTF8.GetByteCount(input) + PerMessage;
        }

        return total;
    }

    /// <summary>Output tokens of a stream cut before the upstream reported usage: about four characters a token, rounded up.</summary>
    public static long OutputFromCharacters(long characters) => (characters + 3) / 4;
}
