using System.Net;
using System.Text;
using System.Text.Json;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>The exact JSON of /oai/v1 responses and chunks (OpenAI API reference), read as raw HTTP.</summary>
public sealed class OpenAIWireShapeTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> Backends => new() { "test/openai", "test/anthropic", "test/gemini", "test/ollama" };

    private FakeUpstreamServer FakeFor(string model) => model switch
    {
        "test/openai" => _gateway.OpenAI,
        "test/anthropic" => _gateway.Anthropic,
        "test/gemini" => _gateway.Gemini,
        _ => _gateway.Ollama,
    };

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Chat(string model, string extra = "") =>
        $$"""{"model":"{{model}}","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":[{"type":"text","text":"Hello?"}]}]{{extra}}}""";

    private const string Tools = ""","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";

    private async Task<HttpResponseMessage> StreamAsync(string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/oai/v1/chat/completions") { Content = Json(body) };
        return await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static string CompletionIdOf(HttpResponseMessage response)
    {
        var requestId = response.Headers.GetValues("X-Request-ID").Single();
        return "chatcmpl-" + (requestId.StartsWith("req_", StringComparison.Ordinal) ? requestId[4..] : requestId);
    }

    private static void AssertUsage(JsonElement usage)
    {
        Assert.Equal(["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"], usage.EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(19, usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Completion_EveryBackend_HasOpenAIsExactShape(string model)
    {
        var response = await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json(Chat(model)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["id", "object", "created", "model", "choices", "usage", "system_fingerprint"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(CompletionIdOf(response), json.GetProperty("id").GetString());
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.InRange(json.GetProperty("created").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal(model, json.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("system_fingerprint").ValueKind);
        var choice = Assert.Single(json.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(["role", "content", "refusal"], message.EnumerateObject().Select(p => p.Name));
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Hello from the fake upstream.", message.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("refusal").ValueKind);
        AssertUsage(json.GetProperty("usage"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Completion_ToolCall_EveryBackend_HasNullContentAndFunctionCalls(string model)
    {
        FakeFor(model).Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolArguments = """{"city":"Rome"}""" });

        var response = await _gateway.Client.PostAsync("/oai/v1/chat/completions", Json(Chat(model, Tools)));

        var choice = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(["id", "type", "function"], call.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrEmpty(call.GetProperty("id").GetString()));
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, call.GetProperty("function").GetProperty("arguments").ValueKind);
        Assert.Equal("Rome", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Stream_IncludeUsage_EveryBackend_RoleContentFinishUsageThenDone(string model)
    {
        using var response = await StreamAsync(Chat(model, ""","stream":true,"stream_options":{"include_usage":true}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var lines = await OpenAIChunks.ReadAllAsync(response);

        Assert.True(lines[^1].IsDone);
        var chunks = lines[..^1].Select(l => l.Json).ToList();
        Assert.All(chunks, c =>
        {
            Assert.Equal(CompletionIdOf(response), c.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal(chunks[0].GetProperty("created").GetInt64(), c.GetProperty("created").GetInt64());
            Assert.Equal(model, c.GetProperty("model").GetString());
        });
        var first = chunks[0].GetProperty("choices")[0];
        Assert.Equal("""{"role":"assistant","content":"","refusal":null}""", first.GetProperty("delta").GetRawText());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("finish_reason").ValueKind);
        var content = string.Concat(chunks.Skip(1).Where(c => c.GetProperty("choices").GetArrayLength() == 1)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out _))
            .Select(d => d.GetProperty("content").GetString()));
        Assert.Equal("Hello from the fake upstream.", content);
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Equal("{}", finish.GetProperty("delta").GetRawText());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        AssertUsage(chunks[^1].GetProperty("usage"));
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_HasNoUsageAnywhere()
    {
        using var response = await StreamAsync(Chat("test/anthropic", ""","stream":true"""));

        var lines = await OpenAIChunks.ReadAllAsync(response);

        Assert.True(lines[^1].IsDone);
        Assert.Single(lines, l => l.IsDone);
        Assert.All(lines[..^1], l => Assert.False(l.Json.TryGetProperty("usage", out _)));
        Assert.All(lines[..^1], l => Assert.Equal(1, l.Json.GetProperty("choices").GetArrayLength()));
        Assert.Equal("stop", lines[^2].Json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Stream_ToolCall_EveryBackend_FirstDeltaNamesTheCallThenArgumentFragments(string model)
    {
        FakeFor(model).Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolArguments = """{"city":"Lima"}""" });
        using var response = await StreamAsync(Chat(model, Tools + ""","stream":true"""));

        var lines = await OpenAIChunks.ReadAllAsync(response);

        Assert.True(lines[^1].IsDone);
        var deltas = lines[..^1].Select(l => l.Json.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => Assert.Single(d.GetProperty("tool_calls").EnumerateArray()))
            .ToList();
        Assert.NotEmpty(deltas);
        Assert.All(deltas, d => Assert.Equal(0, d.GetProperty("index").GetInt32()));
        var head = deltas[0];
        Assert.False(string.IsNullOrEmpty(head.GetProperty("id").GetString()));
        Assert.Equal("function", head.GetProperty("type").GetString());
        Assert.Equal("""{"name":"get_weather","arguments":""}""", head.GetProperty("function").GetRawText());
        Assert.All(deltas.Skip(1), d =>
        {
            Assert.False(d.TryGetProperty("id", out _));
            Assert.False(d.GetProperty("function").TryGetProperty("name", out _));
        });
        var arguments = string.Concat(deltas.Select(d => d.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("Lima", JsonDocument.Parse(arguments).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool_calls", lines[^2].Json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Stream_UpstreamDropsMidStream_EndsWithAnOpenAIErrorObjectAndNoDone()
    {
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.DropMidStream });
        using var response = await StreamAsync(Chat("test/openai", ""","stream":true"""));

        var lines = await OpenAIChunks.ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(lines, l => l.IsDone);
        Assert.Equal("chat.completion.chunk", lines[0].Json.GetProperty("object").GetString());
        var error = lines[^1].Json.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Stream_ClientAbortsMidStream_UpstreamIsCancelledAndTheNextRequestIsServed()
    {
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromMilliseconds(500), Chunks = 40, Text = new string('x', 400) });
        // No response draining: the connection drops the moment the client gives up.
        using (var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = _gateway.Server.BaseAddress })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/oai/v1/chat/completions") { Content = Json(Chat("test/openai", ""","stream":true""")) };
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(2, (await OpenAIChunks.ReadAllAsync(response, stopAfter: 2)).Count);
            response.Dispose();
        }

        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (_gateway.OpenAI.AbortedCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, _gateway.OpenAI.AbortedCount);
        using var next = await StreamAsync(Chat("test/openai", ""","stream":true"""));
        var lines = await OpenAIChunks.ReadAllAsync(next);
        Assert.True(lines[^1].IsDone);
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Embeddings_FloatBase64AndDimensions_HaveOpenAIsShape()
    {
        var asFloats = JsonDocument.Parse(await (await _gateway.Client.PostAsync("/oai/v1/embeddings", Json("""{"model":"test/openai","input":"some text","dimensions":4}"""))).Content.ReadAsStringAsync()).RootElement;
        var asBase64 = JsonDocument.Parse(await (await _gateway.Client.PostAsync("/oai/v1/embeddings", Json("""{"model":"test/openai","input":["some text"],"dimensions":4,"encoding_format":"base64"}"""))).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(["object", "data", "model", "usage"], asFloats.EnumerateObject().Select(p => p.Name));
        Assert.Equal("list", asFloats.GetProperty("object").GetString());
        Assert.Equal("test/openai", asFloats.GetProperty("model").GetString());
        var item = Assert.Single(asFloats.GetProperty("data").EnumerateArray());
        Assert.Equal(["object", "index", "embedding"], item.EnumerateObject().Select(p => p.Name));
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        var floats = item.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(4, floats.Length);
        Assert.Equal(4, _gateway.OpenAI.LastRequest.Json.GetProperty("dimensions").GetInt32());
        var bytes = Convert.FromBase64String(asBase64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal(floats, decoded);
        var usage = asFloats.GetProperty("usage");
        Assert.Equal(["prompt_tokens", "total_tokens"], usage.EnumerateObject().Select(p => p.Name));
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task Models_ListAndOne_HaveOpenAIsShape_EvenWithAnEscapedSlash()
    {
        var list = JsonDocument.Parse(await _gateway.Client.GetStringAsync("/oai/v1/models")).RootElement;
        var escaped = await _gateway.Client.GetAsync("/oai/v1/models/test%2Fgemini");

        Assert.Equal(["object", "data"], list.EnumerateObject().Select(p => p.Name));
        Assert.Equal("list", list.GetProperty("object").GetString());
        var first = list.GetProperty("data")[0];
        Assert.Equal(["id", "object", "created", "owned_by"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("model", first.GetProperty("object").GetString());
        Assert.Equal("scaigrid", first.GetProperty("owned_by").GetString());
        Assert.Equal(HttpStatusCode.OK, escaped.StatusCode);
        Assert.Equal("test/gemini", JsonDocument.Parse(await escaped.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
    }
}
