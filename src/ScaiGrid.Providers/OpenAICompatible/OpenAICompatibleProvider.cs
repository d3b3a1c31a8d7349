using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.OpenAICompatible;

/// <summary>
/// Self-hosted OpenAI-compatible servers (vLLM, llama.cpp server, LM Studio, TGI…) at
/// <c>{base_url}/chat/completions</c>. They implement the classic <c>max_tokens</c> (not all know
/// <c>max_completion_tokens</c>), take an optional Bearer key (<c>--api-key</c>), and send the usage
/// chunk when asked with <c>stream_options.include_usage</c>.
/// </summary>
public sealed class OpenAICompatibleProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider, IModelLister
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.OpenAICompatible,
        MaxTokensField = "max_tokens",
        SendStreamOptions = true,
    };

    private readonly OpenAIDialectClient _client;

    public OpenAICompatibleProvider(UpstreamHttpExecutor executor)
    {
        _client = new OpenAIDialectClient(executor, Dialect);
    }

    public string Type => ProviderTypes.OpenAICompatible;

    public Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.ChatAsync(target, request, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.StreamChatAsync(target, request, cancellationToken);

    public Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken) =>
        _client.EmbedAsync(target, request, cancellationToken);

    public Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken) =>
        _client.ListModelsAsync(target, cancellationToken);
}
