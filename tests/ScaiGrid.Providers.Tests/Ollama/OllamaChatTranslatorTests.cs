using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Providers.Ollama;
using ScaiGrid.Providers.Tests.Support;

namespace ScaiGrid.Providers.Tests.Ollama;

public sealed class OllamaChatTranslatorTests
{
    private static ChatRequest FullOllamaRequest()
    {
        var full = Requests.Full(stream: false);
        var messages = full.Messages.ToList();

        // Ollama takes no image URLs, so the canonical request carries bytes and a data: URL.
        messages[1] = new ChatMessage
        {
            Role = ChatRole.User,
            Content =
            [
                ContentPart.FromText("What is in these images?"),
                new ContentPart { Type = ContentPartType.Image, ImageData = "iVBORw0KGgo=", MediaType = "image/png" },
                new ContentPart { Type = ContentPartType.Image, ImageUrl = "data:image/gif;base64,R0lGODlh" },
            ],
        };
        return full.With(messages);
    }

    [Fact]
    public void WriteChatRequest_FullRequest_MatchesFixture()
    {
        var body = OllamaChatTranslator.WriteChatRequest(FullOllamaRequest(), "llama3.2-vision:latest", stream: false);

        JsonAssert.Equivalent(Fixtures.Text("Ollama/Fixtures/request-full.json"), body);
    }

    [Fact]
    public void WriteChatRequest_ToolChoiceNone_OmitsTools()
    {
        var request = new ChatRequest
        {
            Model = "f",
            Messages = Requests.Simple().Messages,
            Tools = Requests.Full().Tools,
            ToolChoice = ToolChoice.None,
        };

        var json = JsonDocument.Parse(OllamaChatTranslator.WriteChatRequest(request, "m", stream: true)).RootElement;

        Assert.False(json.TryGetProperty("tools", out _));
        Assert.True(json.GetProperty("stream").GetBoolean());
        Assert.False(json.TryGetProperty("options", out _));
    }

    [Fact]
    public void WriteChatRequest_JsonObjectFormat_WritesJsonString()
    {
        var request = new ChatRequest { Model = "f", Messages = Requests.Simple().Messages, ResponseFormat = new ResponseFormat { Type = ResponseFormatType.JsonObject } };

        var json = JsonDocument.Parse(OllamaChatTranslator.WriteChatRequest(request, "m", stream: false)).RootElement;

        Assert.Equal("json", json.GetProperty("format").GetString());
    }

    [Fact]
    public void WriteChatRequest_HttpImageUrl_ThrowsCapabilityNotSupported()
    {
        var request = new ChatRequest
        {
            Model = "f",
            Messages = [new ChatMessage { Role = ChatRole.User, Content = [new ContentPart { Type = ContentPartType.Image, ImageUrl = "https://example.com/a.png" }] }],
        };

        var ex = Assert.Throws<ScaiGridException>(() => OllamaChatTranslator.WriteChatRequest(request, "m", stream: false));

        Assert.Equal(ErrorCodes.CapabilityNotSupported, ex.Code);
        Assert.Equal("messages[0].content[0]", ex.Param);
    }

    [Fact]
    public void WriteChatRequest_ToolCallArgumentsNotAnObject_ThrowsValidation()
    {
        var request = new ChatRequest
        {
            Model = "f",
            Messages = [new ChatMessage { Role = ChatRole.Assistant, ToolCalls = [new ToolCall { Id = "c", Name = "f", Arguments = "[1,2]" }] }],
        };

        var ex = Assert.Throws<ScaiGridException>(() => OllamaChatTranslator.WriteChatRequest(request, "m", stream: false));

        Assert.Equal("messages[0].tool_calls[0].function.arguments", ex.Param);
    }

    [Fact]
    public void ReadChatResponse_ToolCallFixture_GeneratesIdAndKeepsArgumentsAsJsonObject()
    {
        var wire = JsonSerializer.Deserialize(Fixtures.Text("Ollama/Fixtures/response-tool-call.json"), OllamaWireContext.Default.OllamaChatResponse)!;

        var response = OllamaChatTranslator.ReadChatResponse(wire);

        var call = Assert.Single(response.Message.ToolCalls!);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        Assert.Equal("get_current_weather", call.Name);
        var arguments = JsonDocument.Parse(call.Arguments).RootElement;
        Assert.Equal("Paris, FR", arguments.GetProperty("location").GetString());
        Assert.Equal(FinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(new Usage { InputTokens = 122, OutputTokens = 33 }, response.Usage);
        Assert.Null(response.Message.Content);
    }

    [Theory]
    [InlineData("stop", false, FinishReason.Stop)]
    [InlineData("stop", true, FinishReason.ToolCalls)]
    [InlineData("length", false, FinishReason.Length)]
    [InlineData(null, false, FinishReason.Stop)]
    public void MapDoneReason_WireValue_MapsToCanonical(string? reason, bool calledTools, FinishReason expected) =>
        Assert.Equal(expected, OllamaChatTranslator.MapDoneReason(reason, calledTools));
}
