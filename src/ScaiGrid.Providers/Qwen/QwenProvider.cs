using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Qwen;

/// <summary>
/// Alibaba Cloud Model Studio (DashScope) in OpenAI-compatible mode, e.g.
/// <c>https://dashscope-intl.aliyuncs.com/compatible-mode/v1</c>, with Bearer auth. Per Model Studio's
/// "OpenAI compatible – Chat" page it takes <c>max_tokens</c> and <c>seed</c>, honours
/// <c>stream_options.include_usage</c>, and returns thinking models' reasoning as <c>reasoning_content</c>
/// (which the shared parser turns into reasoning deltas). <c>user</c> is not part of its documented
/// request body, so it is not sent.
/// </summary>
public sealed class QwenProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider, IModelLister
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.Qwen,
        MaxTokensField = "max_tokens",
        SendStreamOptions = true,
        SendUser = false,
    };

    private readonly OpenAIDialectClient _client;

    public QwenProvider(UpstreamHttpExecutor executor)
    {
        _client = new OpenAIDialectClient(executor, Dialect);
    }

    public string Type => ProviderTypes.Qwen;

    public Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.ChatAsync(target, request, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.StreamChatAsync(target, request, cancellationToken);

    public Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken) =>
        _client.EmbedAsync(target, request, cancellationToken);

    public Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken) =>
        _client.ListModelsAsync(target, cancellationToken);
}
