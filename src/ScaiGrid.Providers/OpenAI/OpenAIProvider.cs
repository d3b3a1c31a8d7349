using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// OpenAI's own API: <c>{base_url}/chat/completions</c>, <c>/embeddings</c>, <c>/models</c> with
/// <c>Authorization: Bearer</c> and optional <c>OpenAI-Organization</c>/<c>OpenAI-Project</c> from the
/// target's <c>organization</c>/<c>project</c> settings.
/// </summary>
public sealed class OpenAIProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider, IModelLister
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.OpenAI,

        // API reference, "max_tokens": deprecated in favour of max_completion_tokens, which o-series
        // reasoning models require.
        MaxTokensField = "max_completion_tokens",
        SendStreamOptions = true,
        SendOrganizationHeaders = true,
    };

    private readonly OpenAIDialectClient _client;

    public OpenAIProvider(UpstreamHttpExecutor executor)
    {
        _client = new OpenAIDialectClient(executor, Dialect);
    }

    public string Type => ProviderTypes.OpenAI;

    public Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.ChatAsync(target, request, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.StreamChatAsync(target, request, cancellationToken);

    public Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken) =>
        _client.EmbedAsync(target, request, cancellationToken);

    public Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken) =>
        _client.ListModelsAsync(target, cancellationToken);
}
