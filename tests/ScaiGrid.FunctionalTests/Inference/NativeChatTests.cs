using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Inference;

/// <summary>The native /v1 inference API end to end: real server, fake upstreams in their exact wire formats.</summary>
public sealed class NativeChatTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> AllModels => new() { "test/openai", "test/azure", "test/compatible", "test/mistral", "test/qwen", "test/anthropic", "test/gemini", "test/ollama" };

    private static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static object Chat(string model, bool stream = false, object? extra = null) => new Dictionary<string, object?>
    {
        ["model"] = model,
        ["stream"] = stream,
        ["max_output_tokens"] = 100,
        ["messages"] = new object[] { new { role = "system", content = "You are terse." }, new { role = "user", content = "Hello?" } },
    };

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

    [Theory]
    [MemberData(nameof(AllModels))]
    public async Task Chat_EveryProvider_ReturnsTheNativeEnvelope(string model)
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat(model)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var requestId = response.Headers.GetValues("X-Request-ID").Single();
        Assert.Equal(requestId, json.GetProperty("request_id").GetString());
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal(model, json.GetProperty("model").GetString());
        Assert.Equal("assistant", json.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello from the fake upstream.", json.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", json.GetProperty("finish_reason").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal(12, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(7, usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal(19, usage.GetProperty("total_tokens").GetInt64());
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public async Task Stream_EveryProvider_EmitsStartDeltasAndDoneWithUsage(string model)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Body(Chat(model, stream: true)) };
        using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await NativeSse.ReadAllAsync(response);
        Assert.Equal("start", events[0].Name);
        Assert.Equal(model, events[0].Data.GetProperty("model").GetString());
        Assert.Equal("Hello from the fake upstream.", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("content").GetString())));
        var done = events[^1];
        Assert.Equal("done", done.Name);
        Assert.Equal("stop", done.Data.GetProperty("finish_reason").GetString());
        Assert.Equal(12, done.Data.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(7, done.Data.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.DoesNotContain(events, e => e.Name == "error");
    }

    [Fact]
    public async Task Stream_PriorityFailover_FailingAnthropicFallsBackToOpenAIWithoutATrace()
    {
        _gateway.Anthropic.Enqueue(FakeScenario.Fail(500));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Body(Chat("test/failover", stream: true)) };
        using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        var events = await NativeSse.ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _gateway.Anthropic.CallCount);
        Assert.Equal(1, _gateway.OpenAI.CallCount);
        Assert.Equal(["start", "delta", "delta", "delta", "done"], events.Select(e => e.Name));
        var everything = string.Join("", events.Select(e => e.Data.GetRawText()));
        Assert.DoesNotContain("failed as scripted", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("anthropic", everything, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("openai-gpt", response.Headers.GetValues("X-ScaiGrid-Backend").Single());
    }

    [Fact]
    public async Task Chat_UpstreamHangs_TimesOutAndFailsOver()
    {
        _gateway.Anthropic.Enqueue(new FakeScenario { Kind = FakeScenarioKind.Hang, Delay = TimeSpan.FromSeconds(20) });

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/failover")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai-gpt", response.Headers.GetValues("X-ScaiGrid-Backend").Single());
    }

    [Fact]
    public async Task Chat_EveryBackendFails_Is503BackendUnavailable()
    {
        _gateway.Anthropic.Enqueue(FakeScenario.Fail(500), FakeScenario.Fail(500));
        _gateway.OpenAI.Enqueue(FakeScenario.Fail(502), FakeScenario.Fail(502));

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/failover")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("BACKEND_UNAVAILABLE", (await ErrorOf(response)).GetProperty("code").GetString());
        Assert.True(response.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Chat_RateLimitedWithShortRetryAfter_IsRetriedAndSucceeds()
    {
        _gateway.OpenAI.Enqueue(FakeScenario.Fail(429, retryAfter: 1));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/openai")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _gateway.OpenAI.CallCount);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited {watch.Elapsed}");
    }

    [Fact]
    public async Task Chat_RateLimitedWithLongRetryAfter_Is429UpstreamRateLimitedWithRetryAfter()
    {
        _gateway.OpenAI.Enqueue(FakeScenario.Fail(429, retryAfter: 30));

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/openai")));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("UPSTREAM_RATE_LIMITED", (await ErrorOf(response)).GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, _gateway.OpenAI.CallCount);
    }

    [Fact]
    public async Task Chat_UpstreamRejectsCredentials_IsUpstreamAuthFailedWithoutTheKey()
    {
        _gateway.OpenAI.Enqueue(FakeScenario.Fail(401));

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/openai")));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("UPSTREAM_AUTH_FAILED", text, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayWithFakes.UpstreamKey, text, StringComparison.Ordinal);
        Assert.Equal(1, _gateway.OpenAI.CallCount);
    }

    [Fact]
    public async Task SystemPrompt_PrefixWithVariables_IsHoistedIntoAnthropicSystem()
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/prompted")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = _gateway.Anthropic.LastRequest.Json;
        var system = upstream.GetProperty("system");
        var text = system.ValueKind == JsonValueKind.String ? system.GetString() : string.Concat(system.EnumerateArray().Select(b => b.GetProperty("text").GetString()));
        Assert.Equal("Tenant default on test/prompted.\n\nYou are terse.", text);
        Assert.All(upstream.GetProperty("messages").EnumerateArray(), m => Assert.NotEqual("system", m.GetProperty("role").GetString()));
        Assert.Equal(100, upstream.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task SystemPrompt_Replace_BecomesGeminiSystemInstruction()
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/gemini-replaced")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = _gateway.Gemini.LastRequest.Json;
        Assert.Equal("Only the operator speaks here.", upstream.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.DoesNotContain("You are terse.", upstream.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Azure_UsesDeploymentUrlApiVersionAndApiKeyHeader()
    {
        await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat("test/azure")));

        var upstream = _gateway.OpenAI.LastRequest;
        Assert.Equal("/openai/deployments/gpt-4o-deploy/chat/completions", upstream.Path);
        Assert.Contains("api-version=2024-10-21", upstream.Query, StringComparison.Ordinal);
        Assert.Equal(GatewayWithFakes.UpstreamKey, upstream.Header("api-key"));
        Assert.Null(upstream.Header("authorization"));
    }

    [Fact]
    public async Task ToolCall_RoundTrip_ReturnsCallThenSendsTheResultUpstream()
    {
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Paris"}""" });
        var tools = new object[] { new { name = "get_weather", description = "Weather", parameters = new { type = "object", properties = new { city = new { type = "string" } } } } };
        var first = await _gateway.Client.PostAsync("/v1/inference/chat", Body(new { model = "test/openai", tools, messages = new object[] { new { role = "user", content = "Weather in Paris?" } } }));
        var json = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("tool_calls", json.GetProperty("finish_reason").GetString());
        var call = json.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Equal("Paris", JsonDocument.Parse(call.GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());

        var second = await _gateway.Client.PostAsync("/v1/inference/chat", Body(new
        {
            model = "test/openai",
            tools,
            messages = new object[]
            {
                new { role = "user", content = "Weather in Paris?" },
                new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = call.GetProperty("id").GetString(), name = "get_weather", arguments = call.GetProperty("arguments").GetString() } } },
                new { role = "tool", tool_call_id = call.GetProperty("id").GetString(), content = "18°C and sunny" },
            },
        }));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var sent = _gateway.OpenAI.LastRequest.Json.GetProperty("messages");
        Assert.Equal("tool", sent[2].GetProperty("role").GetString());
        Assert.Equal(call.GetProperty("id").GetString(), sent[2].GetProperty("tool_call_id").GetString());
        Assert.Equal("get_weather", sent[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("function", _gateway.OpenAI.LastRequest.Json.GetProperty("tools")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Stream_ClientDisconnects_UpstreamRequestIsCancelledWithinOneSecond()
    {
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromMilliseconds(500), Chunks = 40, Text = new string('x', 400) });
        // A client without response draining: it drops the connection the moment it gives up, as a browser tab would.
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = _gateway.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Body(Chat("test/openai", stream: true)) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await NativeSse.ReadAllAsync(response, stopAfter: 2);

        response.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (_gateway.OpenAI.AbortedCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, _gateway.OpenAI.AbortedCount);
        var health = await _gateway.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Stream_UpstreamDropsMidStream_EndsWithAnErrorEvent()
    {
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.DropMidStream });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Body(Chat("test/openai", stream: true)) };
        using var response = await _gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        var events = await NativeSse.ReadAllAsync(response);

        Assert.Equal("start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Equal("UPSTREAM_ERROR", events[^1].Data.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(response.Headers.GetValues("X-Request-ID").Single(), events[^1].Data.GetProperty("error").GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "VALIDATION_ERROR", "model")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"wizard","content":"hi"}]}""", "VALIDATION_ERROR", "messages[0].role")]
    [InlineData("""{"model":"test/openai","messages":[]}""", "VALIDATION_ERROR", "messages")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"user","content":"hi"}],"temperature":7}""", "VALIDATION_ERROR", "temperature")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"tool","content":"x"}]}""", "VALIDATION_ERROR", "messages[0].tool_call_id")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"user","content":[{"type":"video"}]}]}""", "VALIDATION_ERROR", "messages[0].content[0].type")]
    [InlineData("""{"model":"test/openai","messages":"hi"}""", "VALIDATION_ERROR", "messages")]
    [InlineData("""{"model":"test/openai","messages":[{"role":"user","content":"hi"}]""", "INVALID_JSON", null)]
    public async Task Chat_InvalidBody_Is400NamingTheField(string body, string code, string? param)
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }

        Assert.Equal(0, _gateway.OpenAI.CallCount);
    }

    [Fact]
    public async Task Chat_UnknownOrForeignModel_Is404ModelNotFound()
    {
        foreach (var model in new[] { "test/nope", "test/other-tenant" })
        {
            var response = await _gateway.Client.PostAsync("/v1/inference/chat", Body(Chat(model)));

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("MODEL_NOT_FOUND", (await ErrorOf(response)).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Models_ListsOnlyWhatTheCallerMayUse()
    {
        var json = await _gateway.Client.GetFromJsonAsync<JsonElement>("/v1/models");

        var ids = json.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("test/openai", ids);
        Assert.Contains("test/failover", ids);
        Assert.DoesNotContain("test/other-tenant", ids);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
    }

    [Theory]
    [InlineData("test/openai")]
    [InlineData("test/gemini")]
    [InlineData("test/ollama")]
    public async Task Embeddings_ReturnOneVectorPerInput(string model)
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/embeddings", Body(new { model, input = new[] { "alpha", "beta" } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, json.GetProperty("data").GetArrayLength());
        Assert.True(json.GetProperty("data")[1].GetProperty("embedding").GetArrayLength() > 0);
        Assert.True(json.GetProperty("usage").GetProperty("input_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Embeddings_OnAChatOnlyModel_IsCapabilityNotSupported()
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/embeddings", Body(new { model = "test/anthropic", input = "x" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("CAPABILITY_NOT_SUPPORTED", (await ErrorOf(response)).GetProperty("code").GetString());
    }
}
