using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// The HTTP side shared by every OpenAI-shaped provider: builds the request from the translator and
/// the dialect, sends it through the shared executor, and reads the body as a stream.
/// </summary>
internal sealed class OpenAIDialectClient(UpstreamHttpExecutor executor, OpenAIDialect dialect)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeWithQualityHeaderValue AcceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptEventStream = new("text/event-stream");

    public OpenAIDialect Dialect => dialect;

    public async Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken)
    {
        var body = OpenAIChatTranslator.WriteChatRequest(request, target.UpstreamModel, dialect, stream: false);

        using var message = Create(HttpMethod.Post, target, "chat/completions", body, AcceptJson);
        using var response = await executor.SendAsync(target, message, OpenAIErrors.Map, cancellationToken).ConfigureAwait(false);
        var wire = await UpstreamStreamGuard.ReadJsonAsync(response.Content, OpenAIWireContext.Default.OpenAIChatCompletion, target, cancellationToken).ConfigureAwait(false);
        return OpenAIChatTranslator.ReadChatResponse(wire);
    }

    public async IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(
        ProviderTarget target,
        ChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = OpenAIChatTranslator.WriteChatRequest(request, target.UpstreamModel, dialect, stream: true);
        using var message = Create(HttpMethod.Post, target, "chat/completions", body, AcceptEventStream);

        // The response (and with it the upstream connection) lives exactly as long as this enumerator:
        // a consumer that stops early or is cancelled disposes it and so aborts the upstream request.
        using var response = await executor.SendAsync(target, message, OpenAIErrors.Map, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in UpstreamStreamGuard.GuardAsync(OpenAIStreamParser.ParseAsync(stream, target, cancellationToken), target, cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    public async Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken)
    {
        var body = OpenAIChatTranslator.WriteEmbeddingRequest(request, target.UpstreamModel, dialect);
        using var message = Create(HttpMethod.Post, target, "embeddings", body, AcceptJson);
        using var response = await executor.SendAsync(target, message, OpenAIErrors.Map, cancellationToken).ConfigureAwait(false);
        var wire = await UpstreamStreamGuard.ReadJsonAsync(response.Content, OpenAIWireContext.Default.OpenAIEmbeddingList, target, cancellationToken).ConfigureAwait(false);
        return await UpstreamStreamGuard.ReadAsync(() => Task.FromResult(OpenAIChatTranslator.ReadEmbeddingResponse(wire, request.Inputs.Count)), target, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        using var message = Create(HttpMethod.Get, target, "models", null, AcceptJson);
        using var response = await executor.SendAsync(target, message, OpenAIErrors.Map, cancellationToken).ConfigureAwait(false);
        var wire = await UpstreamStreamGuard.ReadJsonAsync(response.Content, OpenAIWireContext.Default.OpenAIModelList, target, cancellationToken).ConfigureAwait(false);
        var ids = new List<string>(wire.Data?.Count ?? 0);
        foreach (var model in wire.Data ?? [])
        {
            if (!string.IsNullOrEmpty(model.Id))
            {
                ids.Add(model.Id);
            }
        }

        return ids;
    }

    /// <summary>The request a call sends: URL and auth per the dialect. Internal so tests can check it offline.</summary>
    internal HttpRequestMessage Create(HttpMethod method, ProviderTarget target, string operation, ReadOnlyMemory<byte>? body, MediaTypeWithQualityHeaderValue accept)
    {
        var message = new HttpRequestMessage(method, dialect.Endpoint(target, operation));
        message.Headers.Accept.Add(accept);
        if (body is { } bytes)
        {
            message.Content = new ReadOnlyMemoryContent(bytes);
            message.Content.Headers.ContentType = Json;
        }

        var key = target.ApiKey?.Reveal();
        if (!string.IsNullOrEmpty(key))
        {
            switch (dialect.Auth)
            {
                case OpenAIAuthScheme.AzureApiKey:
                    message.Headers.TryAddWithoutValidation("api-key", key);
                    break;
                default:
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    break;
            }
        }

        if (dialect.SendOrganizationHeaders)
        {
            // OpenAI API reference, "Authentication": organization and project headers pick the
            // billing scope when a key belongs to several.
            if (target.Setting("organization") is { Length: > 0 } organization)
            {
                message.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
            }

            if (target.Setting("project") is { Length: > 0 } project)
            {
                message.Headers.TryAddWithoutValidation("OpenAI-Project", project);
            }
        }

        return message;
    }
}
