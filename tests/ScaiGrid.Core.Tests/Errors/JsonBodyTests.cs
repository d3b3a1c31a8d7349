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
}
