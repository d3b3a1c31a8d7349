using System.Net;
using System.Text;
using System.Text.Json;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>How OpenAI request fields reach the upstream, and OpenAI-shaped errors raised before any endpoint runs.</summary>
public sealed class OpenAIRequestTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync(env => env["SCAIGRID_MAX_BODY_BYTES"] = "4096");

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(HttpResponseMessage Response, JsonElement Error)> ErrorAsync(HttpResponseMessage response)
    {
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var error = json.GetProperty("error");
        // OpenAI's error object, exactly: no native request_id/details, the request id stays in the header.
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Request-ID").Single()));
        Assert.Equal(0, _gateway.OpenAI.CallCount);
        return (response, error);
    }

    [Fact]
    public async Task FieldsMapToTheUpstream_MaxCompletionTokensWins_PartsToolChoiceAndSchemaTravel()
    {
        var body = """
            {"model":"test/openai","max_tokens":50,"max_completion_tokens":70,"temperature":0.5,"top_p":0.9,"stop":["END"],"seed":7,"user":"u-1","n":1,
             "parallel_tool_calls":false,"unknown_field":{"ignored":true},"logit_bias":{"50256":-100},
             "messages":[{"role":"developer","content":"Be brief."},
                         {"role":"user","name":"ana","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"low"}}]}],
             "tools":[{"type":"function","function":{"name":"describe","description":"d","parameters":{"type":"object"},"strict":true}}],
             "tool_choice":{"type":"function","function":{"name":"describe"}},
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}}},"strict":true}}}
            """;

        var response = await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = _gateway.OpenAI.LastRequest.Json;
        var maxTokens = upstream.TryGetProperty("max_completion_tokens", out var mct) ? mct : upstream.GetProperty("max_tokens");
        Assert.Equal(70, maxTokens.GetInt32());
        Assert.Equal(0.5, upstream.GetProperty("temperature").GetDouble());
        Assert.Equal("END", upstream.GetProperty("stop")[0].GetString());
        Assert.Equal(7, upstream.GetProperty("seed").GetInt64());
        Assert.Equal("describe", upstream.GetProperty("tool_choice").GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("answer", upstream.GetProperty("response_format").GetProperty("json_schema").GetProperty("name").GetString());
        var user = upstream.GetProperty("messages")[1];
        Assert.Equal("https://example.com/cat.png", user.GetProperty("content")[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.DoesNotContain("unknown_field", _gateway.OpenAI.LastRequest.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolChoiceAndSchema_ReachAnthropicInItsOwnShape()
    {
        var body = """
            {"model":"test/anthropic","max_tokens":33,"messages":[{"role":"user","content":"hi"}],
             "tools":[{"type":"function","function":{"name":"describe","parameters":{"type":"object"}}}],"tool_choice":"required"}
            """;

        var response = await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = _gateway.Anthropic.LastRequest.Json;
        Assert.Equal(33, upstream.GetProperty("max_tokens").GetInt32());
        Assert.Equal("any", upstream.GetProperty("tool_choice").GetProperty("type").GetString());
        Assert.Equal("describe", upstream.GetProperty("tools")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"model":"test/openai","n":2,"messages":[{"role":"user","content":"hi"}]}""", "n")]
    [InlineData("""{"model":"test/openai","temperature":"hot","messages":[{"role":"user","content":"hi"}]}""", "temperature")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"function","name":"f","content":"{}"}]}""", "messages[0].role")]
    [InlineData("""{"model":"test/openai","functions":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}]}""", "functions")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"test/openai","tools":[{"type":"web_search"}],"messages":[{"role":"user","content":"hi"}]}""", "tools[0].type")]
    [InlineData("""{"model":"test/openai","tool_choice":{"type":"function","function":{"name":"nope"}},"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}""", "tool_choice.function.name")]
    [InlineData("""{"model":"test/openai","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", "stream_options")]
    [InlineData("""{"model":"test/openai","max_completion_tokens":0,"messages":[{"role":"user","content":"hi"}]}""", "max_completion_tokens")]
    [InlineData("""{"model":"test/openai","response_format":{"type":"json_schema"},"messages":[{"role":"user","content":"hi"}]}""", "response_format.json_schema")]
    public async Task InvalidField_Is400InvalidRequestErrorNamingTheParam(string body, string param)
    {
        var (response, error) = await ErrorAsync(await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json(body)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task MalformedJson_Is400InvalidJson()
    {
        var (response, error) = await ErrorAsync(await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json("""{"model":"test/openai","messages":[""")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_JSON", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }

    [Fact]
    public async Task UnknownRoute_Is404NotFoundError_AndNativeRoutesKeepTheNativeEnvelope()
    {
        var (response, error) = await ErrorAsync(await _gateway.Client.GetAsync("/oai/v1/completions-of-the-future"));
        var native = JsonDocument.Parse(await (await _gateway.Client.GetAsync("/v1/nope")).Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
        Assert.True(native.TryGetProperty("request_id", out _));
        Assert.False(native.TryGetProperty("type", out _));
    }

    [Fact]
    public async Task WrongMethod_Is405InOpenAIShape()
    {
        var (response, error) = await ErrorAsync(await _gateway.Client.GetAsync("/oai/v1/chat/completions"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("METHOD_NOT_ALLOWED", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task OversizedBody_Is413InOpenAIShape()
    {
        var big = $$"""{"model":"test/openai","messages":[{"role":"user","content":"{{new string('x', 8192)}}"}]}""";

        var (response, error) = await ErrorAsync(await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json(big)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Embeddings_UnknownEncodingFormat_Is400()
    {
        var (response, error) = await ErrorAsync(await _gateway.Client.PostAsync("/oai/v1/embeddings", Json("""{"model":"test/openai","input":"x","encoding_format":"int8"}""")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("encoding_format", error.GetProperty("param").GetString());
    }
}
