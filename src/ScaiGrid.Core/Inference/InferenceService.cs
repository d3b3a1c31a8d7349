using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Routing;

namespace ScaiGrid.Core.Inference;

/// <summary>
/// The one inference pipeline behind every surface (native /v1, OpenAI-compatible /oai/v1, gRPC):
/// resolve the frontend model for the caller, plan the backends, rewrite the system prompt, dispatch.
/// </summary>
public sealed class InferenceService(RoutingService routing, SystemPromptRewriter rewriter, DispatchService dispatch)
{
    public const string ChatCapability = "chat";
    public const string StreamCapability = "stream";
    public const string EmbeddingsCapability = "embeddings";

    public async Task<ChatResult> ChatAsync(CallerContext caller, ChatRequest request, CancellationToken cancellationToken)
    {
        var model = routing.Resolve(request.Model, caller);
        var plan = routing.Plan(model, ChatCapability);
        var prepared = rewriter.Apply(model, request, caller);
        var served = await dispatch.ChatAsync(plan, prepared, cancellationToken).ConfigureAwait(false);
        return new ChatResult(model, served.Value, served.Backend, served.Attempts);
    }

    /// <summary>
    /// Opens the stream on the first backend that yields content. Failures before that fail over or
    /// throw (the caller still answers with an ordinary error); after it, the stream's own error event.
    /// </summary>
    public async Task<ChatStreamSession> StreamAsync(CallerContext caller, ChatRequest request, CancellationToken cancellationToken)
    {
        var model = routing.Resolve(request.Model, caller);
        var plan = routing.Plan(model, StreamCapability);
        var prepared = rewriter.Apply(model, request, caller);
        var served = await dispatch.OpenStreamAsync(plan, prepared, cancellationToken).ConfigureAwait(false);
        return new ChatStreamSession(model, served.Backend, served.Value);
    }

    public async Task<EmbeddingResult> EmbedAsync(CallerContext caller, EmbeddingRequest request, CancellationToken cancellationToken)
    {
        var model = routing.Resolve(request.Model, caller);
        var plan = routing.Plan(model, EmbeddingsCapability);
        var served = await dispatch.EmbedAsync(plan, request, cancellationToken).ConfigureAwait(false);
        return new EmbeddingResult(model, served.Value, served.Backend);
    }
}

public sealed record ChatResult(FrontendEntry Model, ChatResponse Response, BackendEntry Backend, int Attempts);

public sealed record EmbeddingResult(FrontendEntry Model, EmbeddingResponse Response, BackendEntry Backend);

/// <summary>
/// A committed stream: reads every upstream event once, keeping the finish reason and the latest usage,
/// so that whatever writes the client's dialect can end with them (or with an error) and accounting can
/// settle what was consumed even when the stream is cut.
/// </summary>
public sealed class ChatStreamSession(FrontendEntry model, BackendEntry backend, OpenStream stream) : IAsyncDisposable
{
    public FrontendEntry Model { get; } = model;

    public BackendEntry Backend { get; } = backend;

    public FinishReason? FinishReason { get; private set; }

    public Usage Usage { get; private set; } = Usage.Zero;

    public string? UpstreamResponseId { get; private set; }

    /// <summary>Output characters seen so far: the fallback estimate of output tokens when a stream is cut before usage arrives.</summary>
    public long OutputCharacters { get; private set; }

    public async IAsyncEnumerable<ChatStreamEvent> ReadAllAsync()
    {
        foreach (var e in stream.Head)
        {
            Observe(e);
            yield return e;
        }

        if (!stream.HasMore)
        {
            yield break;
        }

        while (await stream.Rest.MoveNextAsync().ConfigureAwait(false))
        {
            var e = stream.Rest.Current;
            Observe(e);
            yield return e;
        }
    }

    public bool TimedOut(CancellationToken clientToken) => stream.TimedOut(clientToken);

    public ValueTask DisposeAsync() => stream.DisposeAsync();

    private void Observe(ChatStreamEvent e)
    {
        switch (e)
        {
            case TextDelta t:
                OutputCharacters += t.Text.Length;
                break;
            case ReasoningDelta r:
                OutputCharacters += r.Text.Length;
                break;
            case ToolCallDelta d:
                OutputCharacters += (d.ArgumentsDelta?.Length ?? 0) + (d.Name?.Length ?? 0);
                break;
            case UsageUpdate u:
                Usage = u.Usage;
                break;
            case StreamFinished f:
                FinishReason = f.FinishReason;
                break;
            case StreamStarted s:
                UpstreamResponseId = s.UpstreamResponseId;
                break;
        }
    }
}
