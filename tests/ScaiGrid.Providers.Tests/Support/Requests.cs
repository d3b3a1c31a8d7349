using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.Tests.Support;

/// <summary>Canonical requests and targets shared by the translator and provider tests.</summary>
internal static class Requests
{
    public static JsonElement WeatherSchema { get; } = JsonDocument.Parse(
        """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""").RootElement;

    /// <summary>Every field the canonical model has: images, tool history, forced tool, schema output.</summary>
    public static ChatRequest Full(bool stream = true) => new()
    {
        Model = "frontend/chat",
        Stream = stream,
        Messages =
        [
            ChatMessage.FromText(ChatRole.System, "You are terse."),
            new ChatMessage
            {
                Role = ChatRole.User,
                Name = "alice",
                Content =
                [
                    ContentPart.FromText("What is in these images?"),
                    new ContentPart { Type = ContentPartType.Image, ImageUrl = "https://example.com/cat.png", Detail = "low" },
                    new ContentPart { Type = ContentPartType.Image, ImageData = "iVBORw0KGgo=", MediaType = "image/png" },
                ],
            },
            new ChatMessage
            {
                Role = ChatRole.Assistant,
                ToolCalls = [new ToolCall { Id = "call_abc123", Name = "get_weather", Arguments = """{"city":"Paris"}""" }],
            },
            new ChatMessage { Role = ChatRole.Tool, ToolCallId = "call_abc123", Content = [ContentPart.FromText("""{"temp_c":21}""")] },
        ],
        Tools = [new ToolDefinition { Name = "get_weather", Description = "Weather for a city", Parameters = WeatherSchema, Strict = true }],
        ToolChoice = new ToolChoice { Mode = ToolChoiceMode.Function, FunctionName = "get_weather" },
        ParallelToolCalls = false,
        MaxOutputTokens = 256,
        Temperature = 0.2,
        TopP = 0.9,
        Stop = ["END"],
        Seed = 42,
        ResponseFormat = new ResponseFormat { Type = ResponseFormatType.JsonSchema, SchemaName = "weather", Schema = WeatherSchema, Strict = true },
        User = "user-123",
    };

    public static ChatRequest Simple(string text = "Hello?") => new()
    {
        Model = "frontend/chat",
        Messages = [ChatMessage.FromText(ChatRole.User, text)],
    };

    public static ProviderTarget Target(string type, Uri? baseUrl = null, string model = "model-x", string? key = "test-secret-key", IReadOnlyDictionary<string, string>? settings = null) => new()
    {
        ProviderId = type + "-test",
        ProviderType = type,
        BaseUrl = baseUrl ?? new Uri("http://127.0.0.1:1/v1"),
        UpstreamModel = model,
        ApiKey = key is null ? null : new Secret(key),
        Settings = settings ?? new Dictionary<string, string>(),
    };
}
