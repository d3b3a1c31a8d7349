using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>The official OpenAI .NET SDK pointed at ScaiGrid's /oai/v1, exactly as a migrating team would.</summary>
internal static class OpenAISdk
{
    public const string AnyKey = "sgk_test_key_the_gateway_runs_without_auth_here";

    /// <summary>Retries off: each test asserts what one request got, not what the SDK's retry loop made of it.</summary>
    public static OpenAIClientOptions Options(ScaiGridServer server) => new()
    {
        Endpoint = new Uri(server.BaseAddress, "oai/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };

    public static ChatClient Chat(ScaiGridServer server, string model, string key = AnyKey) => new(model, new ApiKeyCredential(key), Options(server));

    public static EmbeddingClient Embeddings(ScaiGridServer server, string model) => new(model, new ApiKeyCredential(AnyKey), Options(server));

    public static OpenAIModelClient Models(ScaiGridServer server) => new(new ApiKeyCredential(AnyKey), Options(server));

    /// <summary>The OpenAI error object of a failed call, read from the raw response the SDK keeps.</summary>
    public static JsonElement ErrorOf(ClientResultException ex) =>
        JsonDocument.Parse(ex.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error").Clone();

    public static string? Header(ClientResultException ex, string name) =>
        ex.GetRawResponse()!.Headers.TryGetValue(name, out var value) ? value : null;
}
