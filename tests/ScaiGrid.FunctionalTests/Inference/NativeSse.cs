using System.Text.Json;

namespace ScaiGrid.FunctionalTests.Inference;

/// <summary>Reads a native SSE response into (event, data) pairs, recording when each arrived.</summary>
internal static class NativeSse
{
    public sealed record Event(string Name, JsonElement Data, TimeSpan At);

    public static async Task<List<Event>> ReadAllAsync(HttpResponseMessage response, int? stopAfter = null)
    {
        var events = new List<Event>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        string? name = null;
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(new Event(name ?? "message", JsonDocument.Parse(line[6..]).RootElement.Clone(), watch.Elapsed));
                name = null;
                if (stopAfter is { } n && events.Count >= n)
                {
                    break;
                }
            }
        }

        return events;
    }
}
