using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Providers.Gemini;

namespace ScaiGrid.Providers.Tests.Gemini;

public sealed class GeminiChatTranslatorTests
{
    private static readonly JsonElement WeatherSchema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement;

    [Fact]
    public void ToWire_SystemAndRoles_UseSystemInstructionAndModelRole()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                ChatMessage.FromText(ChatRole.System, "Be terse."),
                ChatMessage.FromText(ChatRole.User, "Hi"),
                ChatMessage.FromText(ChatRole.Assistant, "Hello."),
                ChatMessage.FromText(ChatRole.User, "Bye"),
            ],
        });

        Assert.Equal("""{"parts":[{"text":"Be terse."}]}""", wire.GetProperty("systemInstruction").GetRawText());
        Assert.Equal(
            """[{"role":"user","parts":[{"text":"Hi"}]},{"role":"model","parts":[{"text":"Hello."}]},{"role":"user","parts":[{"text":"Bye"}]}]""",
            wire.GetProperty("contents").GetRawText());
        Assert.False(wire.TryGetProperty("generationConfig", out _));
        Assert.False(wire.TryGetProperty("tools", out _));
    }

    [Fact]
    public void ToWire_ToolRoundTrip_UsesFunctionCallAndNamedFunctionResponses()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                ChatMessage.FromText(ChatRole.User, "Weather in Paris, and the time?"),
                new ChatMessage
                {
                    Role = ChatRole.Assistant,
                    ToolCalls =
                    [
                        new ToolCall { Id = "call_0_aaaaaaaaaaaa", Name = "get_weather", Arguments = """{"city":"Paris"}""" },
                        new ToolCall { Id = "call_1_bbbbbbbbbbbb", Name = "get_time", Arguments = "" },
                    ],
                },
                new ChatMessage { Role = ChatRole.Tool, ToolCallId = "call_0_aaaaaaaaaaaa", Content = [ContentPart.FromText("""{"temp_c":18}""")] },
                new ChatMessage { Role = ChatRole.Tool, ToolCallId = "call_1_bbbbbbbbbbbb", Content = [ContentPart.FromText("12:00")] },
            ],
        });

        var contents = wire.GetProperty("contents");
        Assert.Equal(3, contents.GetArrayLength());
        Assert.Equal(
            """{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"name":"get_time","args":{}}}]}""",
            contents[1].GetRawText());
        Assert.Equal(
            """{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"temp_c":18}}},{"functionResponse":{"name":"get_time","response":{"result":"12:00"}}}]}""",
            contents[2].GetRawText());
    }

    [Fact]
    public void ToWire_ToolResultForUnknownCallId_ThrowsValidation()
    {
        var request = new ChatRequest
        {
            Model = "m",
            Messages = [new ChatMessage { Role = ChatRole.Tool, ToolCallId = "call_missing", Content = [ContentPart.FromText("x")] }],
        };

        var ex = Assert.Throws<ScaiGridException>(() => Wire(request));

        Assert.Equal(ErrorCodes.ValidationError, ex.Code);
        Assert.Equal("messages[0].tool_call_id", ex.Param);
    }

    [Fact]
    public void ToWire_ToolsAndFunctionChoice_UseFunctionDeclarationsAndAllowedNames()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages = [ChatMessage.FromText(ChatRole.User, "Hi")],
            Tools = [new ToolDefinition { Name = "get_weather", Description = "Weather for a city", Parameters = WeatherSchema }, new ToolDefinition { Name = "now" }],
            ToolChoice = new ToolChoice { Mode = ToolChoiceMode.Function, FunctionName = "get_weather" },
        });

        Assert.Equal(
            """[{"functionDeclarations":[{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},{"name":"now"}]}]""",
            wire.GetProperty("tools").GetRawText());
        Assert.Equal("""{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}""", wire.GetProperty("toolConfig").GetRawText());
    }

    [Theory]
    [InlineData(ToolChoiceMode.Auto, "AUTO")]
    [InlineData(ToolChoiceMode.Required, "ANY")]
    [InlineData(ToolChoiceMode.None, "NONE")]
    public void ToWire_ToolChoice_MapsToFunctionCallingMode(ToolChoiceMode mode, string expected)
    {
        var wire = Wire(new ChatRequest { Model = "m", Messages = [ChatMessage.FromText(ChatRole.User, "Hi")], ToolChoice = new ToolChoice { Mode = mode } });

        Assert.Equal($$$"""{"functionCallingConfig":{"mode":"{{{expected}}}"}}""", wire.GetProperty("toolConfig").GetRawText());
    }

    [Fact]
    public void ToWire_GenerationSettings_FillGenerationConfig()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages = [ChatMessage.FromText(ChatRole.User, "Hi")],
            MaxOutputTokens = 256,
            Temperature = 0.2,
            TopP = 0.95,
            Stop = ["END"],
            Seed = 42,
            ResponseFormat = new ResponseFormat
            {
                Type = ResponseFormatType.JsonSchema,
                Schema = JsonDocument.Parse("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,"properties":{"unit":{"type":["string","null"],"enum":["c","f"]}}}""").RootElement,
            },
        });

        Assert.Equal(
            """{"stopSequences":["END"],"responseMimeType":"application/json","responseSchema":{"type":"object","properties":{"unit":{"type":"string","enum":["c","f"],"nullable":true}}},"maxOutputTokens":256,"temperature":0.2,"topP":0.95,"seed":42}""",
            wire.GetProperty("generationConfig").GetRawText());
    }

    [Fact]
    public void ToWire_SeedBeyond32Bits_ThrowsValidation()
    {
        var ex = Assert.Throws<ScaiGridException>(() => Wire(new ChatRequest { Model = "m", Messages = [ChatMessage.FromText(ChatRole.User, "Hi")], Seed = 1L << 40 }));

        Assert.Equal("seed", ex.Param);
    }

    [Fact]
    public void ToWire_Images_UseInlineDataAndFileData()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                new ChatMessage
                {
                    Role = ChatRole.User,
                    Content =
                    [
                        new ContentPart { Type = ContentPartType.Image, ImageData = "AAAA", MediaType = "image/jpeg" },
                        new ContentPart { Type = ContentPartType.Image, ImageUrl = "data:image/png;base64,BBBB" },
                        new ContentPart { Type = ContentPartType.Image, ImageUrl = "https://example.com/cat.webp" },
                    ],
                },
            ],
        });

        Assert.Equal(
            """[{"inlineData":{"mimeType":"image/jpeg","data":"AAAA"}},{"inlineData":{"mimeType":"image/png","data":"BBBB"}},{"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/cat.webp"}}]""",
            wire.GetProperty("contents")[0].GetProperty("parts").GetRawText());
    }

    [Fact]
    public void FromWire_TextThoughtFunctionCallAndUsage_AreMapped()
    {
        const string body = """
            {"candidates":[{"content":{"parts":[
                {"text":"Thinking about cities.","thought":true},
                {"text":"Let me check."},
                {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
                {"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}}
              ],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":1200,"candidatesTokenCount":40,"cachedContentTokenCount":1000,"thoughtsTokenCount":60,"totalTokenCount":1300},
             "modelVersion":"gemini-2.5-pro","responseId":"mPT2aM3vBqXb"}
            """;

        var response = GeminiChatTranslator.FromWire(JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GeminiResponse)!);

        Assert.Equal("Let me check.", response.Message.Text);
        Assert.Equal("Thinking about cities.", response.Message.ReasoningContent);
        Assert.Equal(FinishReason.ToolCalls, response.FinishReason);
        Assert.Collection(
            response.Message.ToolCalls!,
            c => Assert.Equal(("get_weather", """{"city":"Paris"}"""), (c.Name, c.Arguments)),
            c => Assert.Equal(("get_weather", """{"city":"Oslo"}"""), (c.Name, c.Arguments)));
        Assert.StartsWith("call_0_", response.Message.ToolCalls![0].Id, StringComparison.Ordinal);
        Assert.StartsWith("call_1_", response.Message.ToolCalls![1].Id, StringComparison.Ordinal);
        Assert.Equal(new Usage { InputTokens = 1200, CachedInputTokens = 1000, OutputTokens = 100, ReasoningTokens = 60 }, response.Usage);
        Assert.Equal("gemini-2.5-pro", response.UpstreamModel);
        Assert.Equal("mPT2aM3vBqXb", response.UpstreamResponseId);
    }

    [Theory]
    [InlineData("AbC+/xyz09==")]
    [InlineData("AbC+/xyz0w8=")]
    [InlineData("AbC+/xyz")]
    public void ThoughtSignature_OfAFunctionCall_SurvivesTheRoundTripThroughTheCallId(string signature)
    {
        var body = """
            {"candidates":[{"content":{"parts":[
                {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"SIGNATURE"},
                {"functionCall":{"name":"get_time","args":{}}}
              ],"role":"model"},"finishReason":"STOP","index":0}]}
            """.Replace("SIGNATURE", signature, StringComparison.Ordinal);
        var calls = GeminiChatTranslator.FromWire(JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GeminiResponse)!).Message.ToolCalls!;

        Assert.Matches("^call_0_[0-9a-f]+__ts_[A-Za-z0-9_-]+$", calls[0].Id);
        Assert.DoesNotContain("__ts_", calls[1].Id, StringComparison.Ordinal);
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                ChatMessage.FromText(ChatRole.User, "Weather?"),
                new ChatMessage { Role = ChatRole.Assistant, ToolCalls = calls },
                new ChatMessage { Role = ChatRole.Tool, ToolCallId = calls[0].Id, Content = [ContentPart.FromText("sunny")] },
                new ChatMessage { Role = ChatRole.Tool, ToolCallId = calls[1].Id, Content = [ContentPart.FromText("noon")] },
            ],
        });
        var parts = wire.GetProperty("contents")[1].GetProperty("parts");
        Assert.Equal(signature, parts[0].GetProperty("thoughtSignature").GetString());
        Assert.False(parts[1].TryGetProperty("thoughtSignature", out _));
        Assert.Equal("get_weather", wire.GetProperty("contents")[2].GetProperty("parts")[0].GetProperty("functionResponse").GetProperty("name").GetString());
    }

    [Fact]
    public void ThoughtSignature_NotBase64_IsNotCarried()
    {
        Assert.Equal("call_0_ab", GeminiChatTranslator.WithThoughtSignature("call_0_ab", "not base64!"));
        Assert.Null(GeminiChatTranslator.ThoughtSignatureOf("call_0_ab"));
    }

    [Fact]
    public void FromWire_PromptBlocked_ThrowsContentFiltered()
    {
        const string body = """{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}""";

        var ex = Assert.Throws<ScaiGridException>(() => GeminiChatTranslator.FromWire(JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GeminiResponse)!));

        Assert.Equal(ErrorCodes.ContentFiltered, ex.Code);
    }

    [Theory]
    [InlineData("STOP", false, FinishReason.Stop)]
    [InlineData("STOP", true, FinishReason.ToolCalls)]
    [InlineData("MAX_TOKENS", false, FinishReason.Length)]
    [InlineData("SAFETY", false, FinishReason.ContentFilter)]
    [InlineData("RECITATION", false, FinishReason.ContentFilter)]
    [InlineData("BLOCKLIST", false, FinishReason.ContentFilter)]
    [InlineData("PROHIBITED_CONTENT", false, FinishReason.ContentFilter)]
    [InlineData("SPII", false, FinishReason.ContentFilter)]
    [InlineData("MALFORMED_FUNCTION_CALL", false, FinishReason.Error)]
    public void MapFinishReason_EachGeminiValue_MapsToCanonical(string reason, bool hasFunctionCall, FinishReason expected)
    {
        Assert.Equal(expected, GeminiChatTranslator.MapFinishReason(reason, hasFunctionCall));
    }

    private static JsonElement Wire(ChatRequest request) =>
        JsonDocument.Parse(GeminiChatTranslator.Serialize(GeminiChatTranslator.ToWire(request))).RootElement;
}
