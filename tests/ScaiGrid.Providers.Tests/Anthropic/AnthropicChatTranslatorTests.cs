using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Anthropic;

namespace ScaiGrid.Providers.Tests.Anthropic;

public sealed class AnthropicChatTranslatorTests
{
    private static readonly JsonElement WeatherSchema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement;

    [Fact]
    public void ToWire_SystemMessages_AreHoistedToTopLevelSystem()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                ChatMessage.FromText(ChatRole.System, "Be terse."),
                ChatMessage.FromText(ChatRole.User, "Hi"),
                ChatMessage.FromText(ChatRole.System, "Answer in Dutch."),
            ],
        });

        Assert.Equal("Be terse.\n\nAnswer in Dutch.", wire.GetProperty("system").GetString());
        var messages = wire.GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        Assert.Equal("user", messages[0].GetProperty("role").GetString());
        Assert.Equal("""[{"type":"text","text":"Hi"}]""", messages[0].GetProperty("content").GetRawText());
    }

    [Theory]
    [InlineData(64, null, 64)]
    [InlineData(null, "1000", 1000)]
    [InlineData(null, null, 4096)]
    [InlineData(null, "not-a-number", 4096)]
    public void ToWire_MaxTokens_IsAlwaysPresent(int? requested, string? setting, int expected)
    {
        var settings = setting is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["default_max_tokens"] = setting };

        var wire = Wire(new ChatRequest { Model = "m", MaxOutputTokens = requested, Messages = [ChatMessage.FromText(ChatRole.User, "Hi")] }, settings);

        Assert.Equal(expected, wire.GetProperty("max_tokens").GetInt32());
        Assert.Equal("claude-upstream", wire.GetProperty("model").GetString());
    }

    [Fact]
    public void ToWire_ConsecutiveSameRoleMessages_AreMergedToAlternate()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                ChatMessage.FromText(ChatRole.User, "First."),
                ChatMessage.FromText(ChatRole.User, "Second."),
                ChatMessage.FromText(ChatRole.Assistant, "Ok."),
                ChatMessage.FromText(ChatRole.Assistant, "Really."),
            ],
        });

        Assert.Equal(
            """[{"role":"user","content":[{"type":"text","text":"First."},{"type":"text","text":"Second."}]},{"role":"assistant","content":[{"type":"text","text":"Ok."},{"type":"text","text":"Really."}]}]""",
            wire.GetProperty("messages").GetRawText());
    }

    [Fact]
    public void ToWire_ToolRoundTrip_UsesToolUseAndToolResultBlocks()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages =
            [
                ChatMessage.FromText(ChatRole.User, "Weather in Paris and Oslo?"),
                new ChatMessage
                {
                    Role = ChatRole.Assistant,
                    Content = [ContentPart.FromText("Checking.")],
                    ToolCalls =
                    [
                        new ToolCall { Id = "toolu_1", Name = "get_weather", Arguments = """{"city":"Paris"}""" },
                        new ToolCall { Id = "toolu_2", Name = "get_weather", Arguments = """{"city":"Oslo"}""" },
                    ],
                },
                new ChatMessage { Role = ChatRole.Tool, ToolCallId = "toolu_1", Content = [ContentPart.FromText("18C")] },
                new ChatMessage { Role = ChatRole.Tool, ToolCallId = "toolu_2", Content = [ContentPart.FromText("9C")] },
                ChatMessage.FromText(ChatRole.User, "Thanks."),
            ],
        });

        var messages = wire.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        Assert.Equal(
            """{"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Oslo"}}]}""",
            messages[1].GetRawText());
        Assert.Equal(
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},{"type":"tool_result","tool_use_id":"toolu_2","content":"9C"},{"type":"text","text":"Thanks."}]}""",
            messages[2].GetRawText());
    }

    [Fact]
    public void ToWire_ToolMessageWithoutCallId_ThrowsValidation()
    {
        var request = new ChatRequest { Model = "m", Messages = [new ChatMessage { Role = ChatRole.Tool, Content = [ContentPart.FromText("x")] }] };

        var ex = Assert.Throws<ScaiGridException>(() => Wire(request));

        Assert.Equal(ErrorCodes.ValidationError, ex.Code);
        Assert.Equal("messages[0].tool_call_id", ex.Param);
    }

    [Fact]
    public void ToWire_Images_BecomeBase64AndUrlSources()
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
                        new ContentPart { Type = ContentPartType.Image, ImageUrl = "data:image/webp;base64,BBBB" },
                        new ContentPart { Type = ContentPartType.Image, ImageUrl = "https://example.com/cat.png" },
                        ContentPart.FromText("What are these?"),
                    ],
                },
            ],
        });

        var content = wire.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("""{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}}""", content[0].GetRawText());
        Assert.Equal("""{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"BBBB"}}""", content[1].GetRawText());
        Assert.Equal("""{"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}""", content[2].GetRawText());
    }

    [Fact]
    public void ToWire_Tools_UseInputSchemaAndEmptySchemaWhenParameterless()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages = [ChatMessage.FromText(ChatRole.User, "Hi")],
            Tools =
            [
                new ToolDefinition { Name = "get_weather", Description = "Weather for a city", Parameters = WeatherSchema },
                new ToolDefinition { Name = "now" },
            ],
        });

        Assert.Equal(
            """[{"name":"get_weather","description":"Weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},{"name":"now","input_schema":{"type":"object","properties":{}}}]""",
            wire.GetProperty("tools").GetRawText());
        Assert.False(wire.TryGetProperty("tool_choice", out _));
    }

    [Theory]
    [InlineData(ToolChoiceMode.Auto, """{"type":"auto"}""")]
    [InlineData(ToolChoiceMode.Required, """{"type":"any"}""")]
    [InlineData(ToolChoiceMode.None, """{"type":"none"}""")]
    [InlineData(ToolChoiceMode.Function, """{"type":"tool","name":"get_weather"}""")]
    public void ToWire_ToolChoice_MapsEachMode(ToolChoiceMode mode, string expected)
    {
        var choice = new ToolChoice { Mode = mode, FunctionName = mode == ToolChoiceMode.Function ? "get_weather" : null };

        var wire = Wire(WithTools(choice, parallel: null));

        Assert.Equal(expected, wire.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void ToWire_ParallelToolCallsFalse_SetsDisableParallelToolUseInToolChoice()
    {
        Assert.Equal("""{"type":"auto","disable_parallel_tool_use":true}""", Wire(WithTools(null, parallel: false)).GetProperty("tool_choice").GetRawText());
        Assert.Equal("""{"type":"any","disable_parallel_tool_use":true}""", Wire(WithTools(ToolChoice.Required, parallel: false)).GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public void ToWire_SamplingAndStream_AreCopiedUnderAnthropicNames()
    {
        var request = new ChatRequest
        {
            Model = "m",
            Messages = [ChatMessage.FromText(ChatRole.User, "Hi")],
            Temperature = 0.3,
            TopP = 0.9,
            Stop = ["END", "STOP"],
            User = "user-42",
            Stream = true,
        };

        var wire = JsonDocument.Parse(AnthropicChatTranslator.Serialize(AnthropicChatTranslator.ToWire(request, Target(), stream: true))).RootElement;

        Assert.Equal(0.3, wire.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, wire.GetProperty("top_p").GetDouble());
        Assert.Equal("""["END","STOP"]""", wire.GetProperty("stop_sequences").GetRawText());
        Assert.Equal("user-42", wire.GetProperty("metadata").GetProperty("user_id").GetString());
        Assert.True(wire.GetProperty("stream").GetBoolean());
        Assert.False(wire.TryGetProperty("system", out _));
    }

    [Fact]
    public void ToWire_JsonSchemaResponseFormat_AddsInstructionToSystem()
    {
        var wire = Wire(new ChatRequest
        {
            Model = "m",
            Messages = [ChatMessage.FromText(ChatRole.System, "Be terse."), ChatMessage.FromText(ChatRole.User, "Weather?")],
            ResponseFormat = new ResponseFormat { Type = ResponseFormatType.JsonSchema, SchemaName = "weather", Schema = WeatherSchema },
        });

        var system = wire.GetProperty("system").GetString()!;
        Assert.StartsWith("Be terse.\n\nRespond only with a single valid JSON object that conforms to this JSON Schema.", system, StringComparison.Ordinal);
        Assert.EndsWith(WeatherSchema.GetRawText(), system, StringComparison.Ordinal);
        Assert.False(wire.TryGetProperty("response_format", out _));
    }

    [Fact]
    public void FromWire_TextThinkingToolUseAndCacheUsage_AreMapped()
    {
        const string body = """
            {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[
               {"type":"thinking","thinking":"The user wants weather.","signature":"EqQBCgIYAhIM"},
               {"type":"text","text":"Let me "},
               {"type":"text","text":"check."},
               {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris","unit":"c"}}
             ],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":50,"cache_creation_input_tokens":20,"cache_read_input_tokens":1000,"output_tokens":70}}
            """;

        var response = AnthropicChatTranslator.FromWire(JsonSerializer.Deserialize(body, AnthropicJsonContext.Default.AnthropicResponse)!);

        Assert.Equal("Let me check.", response.Message.Text);
        Assert.Equal("The user wants weather.", response.Message.ReasoningContent);
        var call = Assert.Single(response.Message.ToolCalls!);
        Assert.Equal("toolu_01A09q90qw90lq917835lq9", call.Id);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"city":"Paris","unit":"c"}""", call.Arguments);
        Assert.Equal(FinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(1070, response.Usage.InputTokens);
        Assert.Equal(1000, response.Usage.CachedInputTokens);
        Assert.Equal(70, response.Usage.OutputTokens);
        Assert.Equal("claude-sonnet-4-5", response.UpstreamModel);
        Assert.Equal("msg_01XFDUDYJgAACzvnptvVoYEL", response.UpstreamResponseId);
    }

    [Theory]
    [InlineData("end_turn", FinishReason.Stop)]
    [InlineData("stop_sequence", FinishReason.Stop)]
    [InlineData("max_tokens", FinishReason.Length)]
    [InlineData("tool_use", FinishReason.ToolCalls)]
    [InlineData("refusal", FinishReason.ContentFilter)]
    [InlineData("pause_turn", FinishReason.Stop)]
    public void MapStopReason_EachAnthropicValue_MapsToCanonical(string stopReason, FinishReason expected)
    {
        Assert.Equal(expected, AnthropicChatTranslator.MapStopReason(stopReason));
    }

    private static ChatRequest WithTools(ToolChoice? choice, bool? parallel) => new()
    {
        Model = "m",
        Messages = [ChatMessage.FromText(ChatRole.User, "Hi")],
        Tools = [new ToolDefinition { Name = "get_weather", Parameters = WeatherSchema }],
        ToolChoice = choice,
        ParallelToolCalls = parallel,
    };

    private static JsonElement Wire(ChatRequest request, Dictionary<string, string>? settings = null) =>
        JsonDocument.Parse(AnthropicChatTranslator.Serialize(AnthropicChatTranslator.ToWire(request, Target(settings), stream: false))).RootElement;

    private static ProviderTarget Target(Dictionary<string, string>? settings = null) => new()
    {
        ProviderId = "anthropic",
        ProviderType = ProviderTypes.Anthropic,
        BaseUrl = new Uri("https://api.anthropic.com"),
        UpstreamModel = "claude-upstream",
        Settings = settings ?? new Dictionary<string, string>(),
    };
}
