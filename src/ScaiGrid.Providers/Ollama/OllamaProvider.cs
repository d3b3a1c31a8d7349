using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Ollama;

/// <summary>
/// Ollama's native API at <c>{base_url}/api/chat</c>, <c>/api/embed</c> and <c>/api/tags</c> (base URL
/// without <c>/v1</c>, e.g. <c>http://localhost:11434</c>). A local Ollama has no auth; when the target
/// has a key (ollama.com, or a proxy) it goes out as a Bearer token.
/// </summary>
public sealed class OllamaProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider, IModelLister
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeWithQualityHeaderValue AcceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptNdjson = new("application/x-ndjson");

    private readonly UpstreamHttpExecutor _executor;

    public OllamaProvider(UpstreamHttpExecutor executor)
    {
        _executor = executor;
    }

    public string Type => ProviderTypes.Ollama;

    public async Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken)
    {
        var body = OllamaChatTranslator.WriteChatRequest(request, target.UpstreamModel, stream: false);
        using var message = Create(HttpMethod.Post, target, "api/chat", body, AcceptJson);
        using var response = await _executor.SendAsync(target, message, OllamaErrors.Map, cancellationToken).ConfigureAwait(false);
        var wire = await ReadJsonAsync(response, target, OllamaWireContext.Default.OllamaChatResponse, cancellationToken).ConfigureAwait(false);
        if (wire.Error is { } error)
        {
            throw OllamaErrors.FromStreamError(target, error);
        }

        return OllamaChatTranslator.ReadChatResponse(wire);
    }

    public async IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(
        ProviderTarget target,
        ChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = OllamaChatTranslator.WriteChatRequest(request, target.UpstreamModel, stream: true);
        using var message = Create(HttpMethod.Post, target, "api/chat", body, AcceptNdjson);

        // Disposing this enumerator disposes the response and so aborts the upstream generation.
        using var response = await _executor.SendAsync(target, message, OllamaErrors.Map, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in UpstreamStreamGuard.GuardAsync(OllamaStreamParser.ParseAsync(stream, target, cancellationToken), target, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    public async Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken)
    {
        var body = OllamaChatTranslator.WriteEmbeddingRequest(request, target.UpstreamModel);
        using var message = Create(HttpMethod.Post, target, "api/embed", body, AcceptJson);
        using var response = await _executor.SendAsync(target, message, OllamaErrors.Map, cancellationToken).ConfigureAwait(false);
        var wire = await ReadJsonAsync(response, target, OllamaWireContext.Default.OllamaEmbedResponse, cancellationToken).ConfigureAwait(false);
        return await UpstreamStreamGuard.ReadAsync(() => Task.FromResult(OllamaChatTranslator.ReadEmbeddingResponse(wire, request.Inputs.Count)), target, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        using var message = Create(HttpMethod.Get, target, "api/tags", null, AcceptJson);
        using var response = await _executor.SendAsync(target, message, OllamaErrors.Map, cancellationToken).ConfigureAwait(false);
        var wire = await ReadJsonAsync(response, target, OllamaWireContext.Default.OllamaTagList, cancellationToken).ConfigureAwait(false);
        var names = new List<string>(wire.Models?.Count ?? 0);
        foreach (var model in wire.Models ?? [])
        {
            if ((model.Name ?? model.Model) is { Length: > 0 } name)
            {
                names.Add(name);
            }
        }

        return names;
    }

    internal static HttpRequestMessage Create(HttpMethod method, ProviderTarget target, string path, ReadOnlyMemory<byte>? body, MediaTypeWithQualityHeaderValue accept)
    {
        var message = new HttpRequestMessage(method, new Uri(string.Concat(target.BaseUrl.AbsoluteUri.AsSpan().TrimEnd('/'), "/", path)));
        message.Headers.Accept.Add(accept);
        if (body is { } bytes)
        {
            message.Content = new ReadOnlyMemoryContent(bytes);
            message.Content.Headers.ContentType = Json;
        }

        if (target.ApiKey?.Reveal() is { Length: > 0 } key)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return message;
    }

    private static Task<T> ReadJsonAsync<T>(HttpResponseMessage response, ProviderTarget target, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class =>
        UpstreamStreamGuard.ReadJsonAsync(response.Content, type, target, cancellationToken);
}
