using System.ClientModel;
using System.Text.Json;
using OpenAI.Chat;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>The official OpenAI .NET SDK against /oai/v1, over an OpenAI, an Anthropic and a Gemini backend.</summary>
public sealed class OpenAISdkChatTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> Backends => new() { "test/openai", "test/anthropic", "test/gemini" };

    private FakeUpstreamServer FakeFor(string model) => model switch
    {
        "test/openai" => _gateway.OpenAI,
        "test/anthropic" => _gateway.Anthropic,
        "test/gemini" => _gateway.Gemini,
        _ => _gateway.Ollama,
    };

    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool(
        "get_weather",
        "Current weather of a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task CompleteChat_EveryBackend_ReturnsContentFinishReasonAndUsage(string model)
    {
        var client = OpenAISdk.Chat(_gateway.Server, model);

        ChatCompletion completion = await client.CompleteChatAsync([new SystemChatMessage("You are terse."), new UserChatMessage("Hello?")], new ChatCompletionOptions { MaxOutputTokenCount = 100 });

        Assert.Equal("Hello from the fake upstream.", completion.Content.Single().Text);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(model, completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.Equal(12, completion.Usage.InputTokenCount);
        Assert.Equal(7, completion.Usage.OutputTokenCount);
        Assert.Equal(19, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.InRange(completion.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(1, FakeFor(model).CallCount);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task CompleteChatStreaming_EveryBackend_StreamsTextThenFinishThenUsage(string model)
    {
        var client = OpenAISdk.Chat(_gateway.Server, model);
        var text = new System.Text.StringBuilder();
        var updates = new List<StreamingChatCompletionUpdate>();

        // The SDK always asks for stream_options.include_usage on streams; ScaiGrid sends usage only when asked,
        // so a usage update here proves the option travelled and was honoured.
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello?")]))
        {
            updates.Add(update);
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello from the fake upstream.", text.ToString());
        Assert.Single(updates, u => u.FinishReason is not null);
        Assert.Equal(ChatFinishReason.Stop, updates.Single(u => u.FinishReason is not null).FinishReason);
        Assert.Single(updates.Select(u => u.CompletionId).Distinct());
        Assert.All(updates, u => Assert.Equal(model, u.Model));
        var usage = updates[^1].Usage;
        Assert.NotNull(usage);
        Assert.Equal(12, usage.InputTokenCount);
        Assert.Equal(7, usage.OutputTokenCount);
        Assert.Equal(19, usage.TotalTokenCount);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ToolCall_RoundTrip_EveryBackend_CallComesBackAndTheResultReachesTheUpstream(string model)
    {
        FakeFor(model).Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Paris"}""" });
        var client = OpenAISdk.Chat(_gateway.Server, model);
        var options = new ChatCompletionOptions { Tools = { Weather }, ToolChoice = ChatToolChoice.CreateAutoChoice() };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(ChatToolCallKind.Function, call.Kind);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.Id));
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18°C and sunny"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options);

        Assert.Equal("Hello from the fake upstream.", second.Content.Single().Text);
        var upstream = FakeFor(model).LastRequest.Body;
        Assert.Contains("18°C and sunny", JsonDocument.Parse(upstream).RootElement.GetRawText().Replace("\\u00B0", "°", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("get_weather", upstream, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ToolCall_Gemini_ThoughtSignatureRidesInTheCallIdAndGoesBackUpstream(bool streamFirstTurn)
    {
        _gateway.Gemini.Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Rome"}""" });
        var client = OpenAISdk.Chat(_gateway.Server, "test/gemini");
        var options = new ChatCompletionOptions { Tools = { Weather } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Rome?")];
        string callId;
        if (streamFirstTurn)
        {
            string? id = null;
            await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
            {
                id ??= update.ToolCallUpdates.FirstOrDefault()?.ToolCallId;
            }

            callId = id!;
            messages.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(callId, "get_weather", BinaryData.FromString("""{"city":"Rome"}"""))]));
        }
        else
        {
            ChatCompletion first = await client.CompleteChatAsync(messages, options);
            callId = Assert.Single(first.ToolCalls).Id;
            messages.Add(new AssistantChatMessage(first));
        }

        messages.Add(new ToolChatMessage(callId, "21°C"));
        await client.CompleteChatAsync(messages, options);

        // Ids stay within [A-Za-z0-9_-], which every provider accepts, however long the signature.
        Assert.Matches("^[A-Za-z0-9_-]+$", callId);
        var replayed = JsonDocument.Parse(_gateway.Gemini.LastRequest.Body).RootElement.GetProperty("contents")[1];
        Assert.Equal("model", replayed.GetProperty("role").GetString());
        var part = Assert.Single(replayed.GetProperty("parts").EnumerateArray());
        Assert.Equal("get_weather", part.GetProperty("functionCall").GetProperty("name").GetString());
        Assert.Equal(FakeGeminiServer.ThoughtSignature, part.GetProperty("thoughtSignature").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ToolCall_Streaming_EveryBackend_DeltasRebuildTheCall(string model)
    {
        FakeFor(model).Enqueue(new FakeScenario { Kind = FakeScenarioKind.ToolCall, ToolName = "get_weather", ToolArguments = """{"city":"Oslo"}""" });
        var client = OpenAISdk.Chat(_gateway.Server, model);
        var arguments = new System.Text.StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Oslo?")], new ChatCompletionOptions { Tools = { Weather } }))
        {
            foreach (var delta in update.ToolCallUpdates)
            {
                Assert.Equal(0, delta.Index);
                id ??= delta.ToolCallId;
                name ??= delta.FunctionName;
                arguments.Append(delta.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal("get_weather", name);
        Assert.Equal("Oslo", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Validation_EveryBackend_Is400WithParamAndCode(string model)
    {
        var client = OpenAISdk.Chat(_gateway.Server, model);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { Temperature = 5f }));

        Assert.Equal(400, ex.Status);
        var error = OpenAISdk.ErrorOf(ex);
        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("temperature", error.GetProperty("param").GetString());
        Assert.Equal(0, FakeFor(model).CallCount);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task UpstreamRejectsTheRequest_EveryBackend_Is400UpstreamBadRequest(string model)
    {
        FakeFor(model).Enqueue(FakeScenario.Fail(400, message: "The fake upstream refused the request."));
        var client = OpenAISdk.Chat(_gateway.Server, model);

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(400, ex.Status);
        Assert.Equal("invalid_request_error", OpenAISdk.ErrorOf(ex).GetProperty("type").GetString());
        Assert.Equal("UPSTREAM_BAD_REQUEST", OpenAISdk.ErrorOf(ex).GetProperty("code").GetString());
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task UnknownModel_Is404ModelNotFound(string model)
    {
        var client = OpenAISdk.Chat(_gateway.Server, model + "-missing");

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(404, ex.Status);
        var error = OpenAISdk.ErrorOf(ex);
        Assert.Equal("MODEL_NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(OpenAISdk.Header(ex, "X-Request-ID")));
    }
}
