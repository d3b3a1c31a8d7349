using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Core.Errors;

namespace ScaiGrid.Core.Tests.Errors;

public sealed class JsonBodyTests
{
    public sealed record Sample(string Name, int Count);

    private static readonly JsonTypeInfo<Sample> TypeInfo = (JsonTypeInfo<Sample>)new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() }.GetTypeInfo(typeof(Sample));

    private static HttpRequest Request(string body, string contentType = "application/json")
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Request.ContentType = contentType;
        return context.Request;
    }

    [Fact]
    public async Task ReadAsync_MalformedJson_IsInvalidJson()
    {
        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => JsonBody.ReadAsync(Request("{\"name\": \"x\", "), TypeInfo, CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidJson, ex.Code);
        Assert.Contains("line 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_WrongFieldType_NamesTheField()
    {
        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => JsonBody.ReadAsync(Request("{\"name\":\"x\",\"count\":\"many\"}"), TypeInfo, CancellationToken.None));

        Assert.Equal(ErrorCodes.ValidationError, ex.Code);
        Assert.Equal("count", ex.Param);
    }

    [Fact]
    public async Task ReadAsync_WrongContentType_IsUnsupportedMediaType()
    {
        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => JsonBody.ReadAsync(Request("name=x", "application/x-www-form-urlencoded"), TypeInfo, CancellationToken.None));

        Assert.Equal(ErrorCodes.UnsupportedMediaType, ex.Code);
    }

    [Fact]
    public async Task ReadAsync_ValidBody_Deserialises()
    {
        var sample = await JsonBody.ReadAsync(Request("{\"name\":\"x\",\"count\":3}"), TypeInfo, CancellationToken.None);

        Assert.Equal(new Sample("x", 3), sample);
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"count\":3} {\"name\":\"y\"}")]
    [InlineData("{\"name\":\"x\",\"count\":3} trailing")]
    [InlineData("")]
    [InlineData("   ")]
    public async Task ReadAsync_EmptyOrMoreThanOneValue_IsInvalidJson(string body)
    {
        var ex = await Assert.ThrowsAsync<ScaiGridException>(() => JsonBody.ReadAsync(Request(body), TypeInfo, CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidJson, ex.Code);
    }

    [Fact]
    public async Task ReadAsync_BodyArrivingInManySmallChunks_IsReadWhole()
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new TrickleStream(Encoding.UTF8.GetBytes("{\"name\":\"" + new string('n', 10_000) + "\",\"count\":7}"));
        context.Request.ContentType = "application/json";

        var sample = await JsonBody.ReadAsync(context.Request, TypeInfo, CancellationToken.None);

        Assert.Equal(7, sample.Count);
        Assert.Equal(10_000, sample.Name.Length);
    }

    /// <summary>Hands out at most 7 bytes per read, the way a slow client's body arrives.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 7), cancellationToken);
    }
}
