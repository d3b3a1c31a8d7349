using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Tests.Http;

public sealed class UpstreamJsonTests
{
    public sealed record Answer(string Id, int Tokens);

    private static readonly JsonTypeInfo<Answer> Type = (JsonTypeInfo<Answer>)new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }.GetTypeInfo(typeof(Answer));

    /// <summary>A body whose declared Content-Length may differ from what the stream really delivers.</summary>
    private static HttpContent Content(string body, long? declaredLength, bool trickle = false)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var content = new StreamContent(trickle ? new TrickleStream(bytes) : new MemoryStream(bytes));
        content.Headers.ContentLength = declaredLength;
        return content;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deserialize_WithContentLength_ReadsWholeBodyAndParses(bool trickle)
    {
        const string body = """{"id":"chatcmpl-1","tokens":17}""";

        var answer = await UpstreamJson.DeserializeAsync(Content(body, Encoding.UTF8.GetByteCount(body), trickle), Type, CancellationToken.None);

        Assert.Equal(new Answer("chatcmpl-1", 17), answer);
    }

    [Fact]
    public async Task Deserialize_ChunkedOrLarge_TakesTheStreamingPath()
    {
        var big = "{\"id\":\"" + new string('x', 2 * 1024 * 1024) + "\",\"tokens\":3}";

        Assert.Equal(new Answer("a", 1), await UpstreamJson.DeserializeAsync(Content("""{"id":"a","tokens":1}""", null), Type, CancellationToken.None));
        Assert.Equal(3, (await UpstreamJson.DeserializeAsync(Content(big, big.Length), Type, CancellationToken.None))!.Tokens);
    }

    [Fact]
    public async Task Deserialize_BodyShorterThanItsContentLength_IsAnIOException()
    {
        await Assert.ThrowsAsync<IOException>(() => UpstreamJson.DeserializeAsync(Content("""{"id":"a","tok""", 200), Type, CancellationToken.None));
    }

    [Theory]
    [InlineData("""{"id":"a","tokens":""")]
    [InlineData("""{"id":"a","tokens":1} {"id":"b"}""")]
    [InlineData("<html>502 Bad Gateway</html>")]
    public async Task Deserialize_NotOneJsonValue_IsAJsonException(string body)
    {
        await Assert.ThrowsAnyAsync<JsonException>(() => UpstreamJson.DeserializeAsync(Content(body, Encoding.UTF8.GetByteCount(body)), Type, CancellationToken.None));
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 5)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 5), cancellationToken);
    }
}
