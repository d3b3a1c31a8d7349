using System.Text;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Providers.Mistral;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.OpenAICompatible;
using ScaiGrid.Providers.Qwen;
using ScaiGrid.Providers.Tests.Support;

namespace ScaiGrid.Providers.Tests.OpenAI;

public sealed class OpenAIChatTranslatorTests
{
    private static JsonElement Write(ChatRequest request, OpenAIDialect dialect, bool stream, string model = "m") =>
        JsonDocument.Parse(OpenAIChatTranslator.WriteChatRequest(request, model, dialect, stream)).RootElement;

    [Fact]
    public void WriteChatRequest_FullRequestOpenAI_MatchesFixture()
    {
        var body = OpenAIChatTranslator.WriteChatRequest(Requests.Full(), "gpt-4o-mini", OpenAIProvider.Dialect, stream: true);

        JsonAssert.Equivalent(Fixtures.Text("OpenAI/Fixtures/request-openai-full.json"), body);
    }

    [Fact]
    public void WriteChatRequest_FullRequestMistral_MatchesFixtureWithMistralNames()
    {
        var body = OpenAIChatTranslator.WriteChatRequest(Requests.Full(), "mistral-small-latest", MistralProvider.Dialect, stream: true);

        JsonAssert.Equivalent(Fixtures.Text("OpenAI/Fixtures/request-mistral-full.json"), body);
    }

    [Fact]
    public void WriteChatRequest_MistralRequiredToolChoice_SendsAny()
    {
        var request = new ChatRequest { Model = "f", Messages = Requests.Simple().Messages, ToolChoice = ToolChoice.Required };

        Assert.Equal("any", Write(request, MistralProvider.Dialect, false).GetProperty("tool_choice").GetString());
        Assert.Equal("required", Write(request, OpenAIProvider.Dialect, false).GetProperty("tool_choice").GetString());
    }

    [Fact]
    public void WriteChatRequest_QwenStreaming_UsesMaxTokensSeedAndStreamOptions()
    {
        var json = Write(Requests.Full(), QwenProvider.Dialect, stream: true, model: "qwen-plus");

        Assert.Equal(256, json.GetProperty("max_tokens").GetInt32());
        Assert.False(json.TryGetProperty("max_completion_tokens", out _));
        Assert.Equal(42, json.GetProperty("seed").GetInt64());
        Assert.True(json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.False(json.TryGetProperty("user", out _));
    }

    [Fact]
    public void WriteChatRequest_CompatibleStreaming_UsesMaxTokensAndStreamOptions()
    {
        var json = Write(Requests.Full(), OpenAICompatibleProvider.Dialect, stream: true);

        Assert.Equal(256, json.GetProperty("max_tokens").GetInt32());
        Assert.False(json.TryGetProperty("max_completion_tokens", out _));
        Assert.True(json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("user-123", json.GetProperty("user").GetString());
    }

    [Fact]
    public void WriteChatRequest_NotStreaming_SendsStreamFalseWithoutStreamOptions()
    {
        // The call shape wins over the canonical flag: ChatAsync never asks for a stream.
        var json = Write(Requests.Full(stream: true), OpenAIProvider.Dialect, stream: false);

        Assert.False(json.GetProperty("stream").GetBoolean());
        Assert.False(json.TryGetProperty("stream_options", out _));
    }

    [Fact]
    public void WriteChatRequest_SingleTextPart_SendsContentAsString()
    {
        var json = Write(Requests.Simple("Hi"), OpenAIProvider.Dialect, false);

        var message = json.GetProperty("messages")[0];
        Assert.Equal(JsonValueKind.String, message.GetProperty("content").ValueKind);
        Assert.Equal("Hi", message.GetProperty("content").GetString());
    }

    [Theory]
    [InlineData(ToolChoiceMode.Auto, "\"auto\"")]
    [InlineData(ToolChoiceMode.None, "\"none\"")]
    [InlineData(ToolChoiceMode.Required, "\"required\"")]
    [InlineData(ToolChoiceMode.Function, """{"type":"function","function":{"name":"f"}}""")]
    public void WriteChatRequest_ToolChoice_WritesOpenAIForm(ToolChoiceMode mode, string expected)
    {
        var request = new ChatRequest { Model = "f", Messages = Requests.Simple().Messages, ToolChoice = new ToolChoice { Mode = mode, FunctionName = "f" } };

        var actual = Write(request, OpenAIProvider.Dialect, false).GetProperty("tool_choice").GetRawText();

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(ResponseFormatType.Text, """{"type":"text"}""")]
    [InlineData(ResponseFormatType.JsonObject, """{"type":"json_object"}""")]
    public void WriteChatRequest_ResponseFormat_WritesType(ResponseFormatType type, string expected)
    {
        var request = new ChatRequest { Model = "f", Messages = Requests.Simple().Messages, ResponseFormat = new ResponseFormat { Type = type } };

        Assert.Equal(expected, Write(request, OpenAIProvider.Dialect, false).GetProperty("response_format").GetRawText());
    }

    [Fact]
    public void WriteChatRequest_ToolMessageWithoutCallId_ThrowsValidationNamingTheField()
    {
        var request = new ChatRequest { Model = "f", Messages = [ChatMessage.FromText(ChatRole.Tool, "21C")] };

        var ex = Assert.Throws<ScaiGridException>(() => OpenAIChatTranslator.WriteChatRequest(request, "m", OpenAIProvider.Dialect, false));

        Assert.Equal(ErrorCodes.ValidationError, ex.Code);
        Assert.Equal("messages[0].tool_call_id", ex.Param);
    }

    [Fact]
    public void WriteChatRequest_NonAsciiText_IsNotEscaped()
    {
        var body = OpenAIChatTranslator.WriteChatRequest(Requests.Simple("你好"), "qwen-plus", QwenProvider.Dialect, false);

        Assert.Contains("你好", Encoding.UTF8.GetString(body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadChatResponse_ToolCallsFixture_MapsCallsFinishAndDetailedUsage()
    {
        var wire = JsonSerializer.Deserialize(Fixtures.Text("OpenAI/Fixtures/response-tool-calls.json"), OpenAIWireContext.Default.OpenAIChatCompletion)!;

        var response = OpenAIChatTranslator.ReadChatResponse(wire);

        Assert.Equal(FinishReason.ToolCalls, response.FinishReason);
        Assert.Null(response.Message.Content);
        Assert.Collection(
            response.Message.ToolCalls!,
            c =>
            {
                Assert.Equal("call_DdmO9pD3xa9XTPNJ32zg2hcA", c.Id);
                Assert.Equal("get_weather", c.Name);
                Assert.Equal("""{"city":"Paris"}""", c.Arguments);
            },
            c =>
            {
                Assert.Equal("get_time", c.Name);
                Assert.Equal("{}", c.Arguments);
            });
        Assert.Equal(new Usage { InputTokens = 1117, OutputTokens = 46, CachedInputTokens = 1024, ReasoningTokens = 12 }, response.Usage);
        Assert.Equal("gpt-4o-2024-08-06", response.UpstreamModel);
        Assert.Equal("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", response.UpstreamResponseId);
    }

    [Fact]
    public void ReadChatResponse_QwenReasoningFixture_KeepsReasoningApartFromText()
    {
        var wire = JsonSerializer.Deserialize(Fixtures.Text("OpenAI/Fixtures/response-qwen-reasoning.json"), OpenAIWireContext.Default.OpenAIChatCompletion)!;

        var response = OpenAIChatTranslator.ReadChatResponse(wire);

        Assert.Equal("The answer is 42.", response.Message.Text);
        Assert.Equal("The user asks for the answer; it is well known.", response.Message.ReasoningContent);
        Assert.Equal(FinishReason.Stop, response.FinishReason);
        Assert.Equal(100, response.Usage.ReasoningTokens);
    }

    [Fact]
    public void ReadChatResponse_MistralThinkingChunks_SplitsReasoningFromText()
    {
        const string json = """
            {"id":"x","object":"chat.completion","model":"magistral-medium-latest","choices":[{"index":0,"finish_reason":"stop",
             "message":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"Two plus two."}]},{"type":"text","text":"4"}]}}],
             "usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}}
            """;
        var wire = JsonSerializer.Deserialize(json, OpenAIWireContext.Default.OpenAIChatCompletion)!;

        var response = OpenAIChatTranslator.ReadChatResponse(wire);

        Assert.Equal("4", response.Message.Text);
        Assert.Equal("Two plus two.", response.Message.ReasoningContent);
    }

    [Fact]
    public void ReadChatResponse_ArgumentsAsObject_KeepsThemAsJsonString()
    {
        const string json = """
            {"id":"x","model":"m","choices":[{"index":0,"finish_reason":"tool_calls",
             "message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":{"a":1}}}]}}]}
            """;
        var wire = JsonSerializer.Deserialize(json, OpenAIWireContext.Default.OpenAIChatCompletion)!;

        var call = Assert.Single(OpenAIChatTranslator.ReadChatResponse(wire).Message.ToolCalls!);

        Assert.Equal(1, JsonDocument.Parse(call.Arguments).RootElement.GetProperty("a").GetInt32());
    }

    [Theory]
    [InlineData("stop", FinishReason.Stop)]
    [InlineData("length", FinishReason.Length)]
    [InlineData("model_length", FinishReason.Length)]
    [InlineData("tool_calls", FinishReason.ToolCalls)]
    [InlineData("function_call", FinishReason.ToolCalls)]
    [InlineData("content_filter", FinishReason.ContentFilter)]
    [InlineData(null, FinishReason.Stop)]
    public void MapFinishReason_WireValue_MapsToCanonical(string? wire, FinishReason expected) =>
        Assert.Equal(expected, OpenAIChatTranslator.MapFinishReason(wire));

    [Fact]
    public void WriteEmbeddingRequest_MistralDimensions_UsesOutputDimensionAndNoUser()
    {
        var request = new EmbeddingRequest { Model = "f", Inputs = ["a", "b"], Dimensions = 256, User = "u" };

        var mistral = JsonDocument.Parse(OpenAIChatTranslator.WriteEmbeddingRequest(request, "mistral-embed", MistralProvider.Dialect)).RootElement;
        var openai = JsonDocument.Parse(OpenAIChatTranslator.WriteEmbeddingRequest(request, "text-embedding-3-small", OpenAIProvider.Dialect)).RootElement;

        Assert.Equal(256, mistral.GetProperty("output_dimension").GetInt32());
        Assert.False(mistral.TryGetProperty("user", out _));
        Assert.Equal(256, openai.GetProperty("dimensions").GetInt32());
        Assert.Equal(2, openai.GetProperty("input").GetArrayLength());
    }

    [Fact]
    public void ReadEmbeddingResponse_DataOutOfOrder_PutsVectorsInInputOrder()
    {
        const string json = """
            {"object":"list","model":"text-embedding-3-small","usage":{"prompt_tokens":4,"total_tokens":4},
             "data":[{"object":"embedding","index":1,"embedding":[0.5]},{"object":"embedding","index":0,"embedding":[0.25]}]}
            """;
        var wire = JsonSerializer.Deserialize(json, OpenAIWireContext.Default.OpenAIEmbeddingList)!;

        var response = OpenAIChatTranslator.ReadEmbeddingResponse(wire, expected: 2);

        Assert.Equal(0.25f, response.Embeddings[0][0]);
        Assert.Equal(0.5f, response.Embeddings[1][0]);
        Assert.Equal(4, response.InputTokens);
    }

    [Fact]
    public void ReadEmbeddingResponse_FewerVectorsThanInputs_Throws()
    {
        var wire = new OpenAIEmbeddingList { Data = [new OpenAIEmbedding { Index = 0, Embedding = [1f] }] };

        Assert.Throws<JsonException>(() => OpenAIChatTranslator.ReadEmbeddingResponse(wire, expected: 2));
    }
}
