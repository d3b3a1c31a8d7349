using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.AzureOpenAI;

/// <summary>
/// Azure OpenAI: the OpenAI wire format behind a deployment path,
/// <c>{base_url}/openai/deployments/{deployment}/chat/completions?api-version=…</c> (Azure OpenAI REST
/// reference, "Chat completions"), authenticated with the <c>api-key</c> header. The target's
/// <see cref="ProviderTarget.UpstreamModel"/> is the deployment name; <c>api_version</c> comes from its
/// settings. No <see cref="IModelLister"/>: the data-plane API stopped listing deployments after
/// 2023-03-15-preview, and its model list names base models, not what can be called.
/// </summary>
public sealed class AzureOpenAIProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider
{
    /// <summary>The GA version that has max_completion_tokens and stream_options.include_usage.</summary>
    public const string DefaultApiVersion = "2024-10-21";

    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.AzureOpenAI,
        MaxTokensField = "max_completion_tokens",
        SendStreamOptions = true,
        Auth = OpenAIAuthScheme.AzureApiKey,
        Endpoint = DeploymentEndpoint,
    };

    private readonly OpenAIDialectClient _client;

    public AzureOpenAIProvider(UpstreamHttpExecutor executor)
    {
        _client = new OpenAIDialectClient(executor, Dialect);
    }

    public string Type => ProviderTypes.AzureOpenAI;

    public Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.ChatAsync(target, request, cancellationToken);

    public IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
        _client.StreamChatAsync(target, request, cancellationToken);

    public Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken) =>
        _client.EmbedAsync(target, request, cancellationToken);

    internal static Uri DeploymentEndpoint(ProviderTarget target, string operation)
    {
        var apiVersion = target.Setting("api_version") is { Length: > 0 } v ? v : DefaultApiVersion;
        return new Uri(string.Concat(
            target.BaseUrl.AbsoluteUri.TrimEnd('/'),
            "/openai/deployments/",
            Uri.EscapeDataString(target.UpstreamModel),
            "/",
            operation,
            "?api-version=",
            Uri.EscapeDataString(apiVersion)));
    }
}
