using System.Text;
using System.Text.Json.Nodes;
using ScaiGrid.Abstractions.Chat;

namespace ScaiGrid.Providers.Tests.Support;

/// <summary>Reads the recorded wire fixtures copied next to the test assembly.</summary>
internal static class Fixtures
{
    public static string Text(string relativePath) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, relativePath.Replace('/', Path.DirectorySeparatorChar)));

    public static MemoryStream Stream(string relativePath) => new(Encoding.UTF8.GetBytes(Text(relativePath)));

    public static async Task<List<ChatStreamEvent>> CollectAsync(IAsyncEnumerable<ChatStreamEvent> events)
    {
        var list = new List<ChatStreamEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }
}

/// <summary>Structural JSON comparison: property order and whitespace do not matter, values and shape do.</summary>
internal static class JsonAssert
{
    public static void Equivalent(string expectedJson, ReadOnlyMemory<byte> actualUtf8)
    {
        var actualJson = Encoding.UTF8.GetString(actualUtf8.Span);
        var expected = JsonNode.Parse(expectedJson);
        var actual = JsonNode.Parse(actualJson);
        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"JSON differs.\nExpected: {expected?.ToJsonString()}\nActual:   {actual?.ToJsonString()}");
    }
}
