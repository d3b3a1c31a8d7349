using System.Text.Json;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>Reads an OpenAI-dialect SSE response: every <c>data:</c> line, JSON or the literal <c>[DONE]</c>.</summary>
internal static class OpenAIChunks
{
    public sealed record Line(string Raw)
    {
        public bool IsDone => Raw == "[DONE]";

        public JsonElement Json => JsonDocument.Parse(Raw).RootElement;
    }

    public static async Task<List<Line>> ReadAllAsync(HttpResponseMessage response, int? stopAfter = null)
    {
        var lines = new List<Line>();
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            // OpenAI streams are data-only: no event names, one JSON object per data line.
            Assert.False(line.StartsWith("event:", StringComparison.Ordinal), "OpenAI chunks carry no event names");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                lines.Add(new Line(line[6..]));
                if (stopAfter is { } n && lines.Count >= n)
                {
                    break;
                }
            }
        }

        return lines;
    }
}
