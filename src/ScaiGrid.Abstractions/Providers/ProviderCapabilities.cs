using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;

namespace ScaiGrid.Abstractions.Providers;

/// <summary>
/// Small capability interfaces: a provider implements the ones it supports and nothing else,
/// so the dispatcher never meets an "unsupported" stub. Failures surface as
/// <see cref="Errors.ScaiGridException"/> with an upstream error code (UPSTREAM_*, CONTEXT_LENGTH_EXCEEDED…).
/// </summary>
public interface IProvider
{
    /// <summary>The <see cref="ProviderTypes"/> value this provider speaks.</summary>
    string Type { get; }
}

public interface IChatProvider : IProvider
{
    Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken);
}

public interface IChatStreamProvider : IProvider
{
    /// <summary>
    /// Streams the answer as typed events. The HTTP response is opened (status checked, error bodies
    /// turned into exceptions) before the first event is yielded, so a caller can still fail over
    /// until it has forwarded something.
    /// </summary>
    IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken);
}

public interface IEmbeddingProvider : IProvider
{
    Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken);
}

public interface IModelLister : IProvider
{
    Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken);
}
