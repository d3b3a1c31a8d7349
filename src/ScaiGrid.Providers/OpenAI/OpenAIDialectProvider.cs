using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// A provider that speaks the OpenAI Chat Completions dialect: every capability goes through the shared
/// <see cref="OpenAIDialectClient"/>; a subclass only names its <see cref="OpenAIDialect"/> (the quirks).
/// </summary>
public abstract class OpenAIDialectProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider, IModelLister
{
    private readonly OpenAIDialectClient _client;

    private protected OpenAIDialectProvider(UpstreamHttpExecutor executor, OpenAIDialect dialect)
    {
        _client = new OpenAIDialectClient(executor, dialect);
        Type = dialect.ProviderType;
    }

    public string Type { get; }

    public Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.ChatAsync(target, request, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.StreamChatAsync(target, request, cancellationToken);

    public Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken) =>
        _client.EmbedAsync(target, request, cancellationToken);

    public Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken) =>
        _client.ListModelsAsync(target, cancellationToken);
}
