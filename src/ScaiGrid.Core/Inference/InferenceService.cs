using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Core.Routing;

namespace ScaiGrid.Core.Inference;

/// <summary>
/// The one inference pipeline behind every surface (native /v1, OpenAI-compatible /oai/v1, gRPC):
/// resolve the frontend model for the caller, plan the backends, rewrite the system prompt, reserve the
/// budget, dispatch, settle the usage.
/// </summary>
public sealed class InferenceService(RoutingService routing, SystemPromptRewriter rewriter, DispatchService dispatch, AccountingService accounting, ScaiGridMetrics metrics, TimeProvider time)
{
    public const string ChatCapability = "chat";
    public const string StreamCapability = "stream";
    public const string EmbeddingsCapability = "embeddings";

    public async Task<ChatResult> ChatAsync(CallerContext caller, ChatRequest request, string requestId, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var model = routing.Resolve(request.Model, caller);
        var plan = routing.Plan(model, ChatCapability);
        var (prepared, ticket) = await PrepareAsync(caller, model, plan, request, requestId, started, cancellationToken).ConfigureAwait(false);
        await using (ticket.ConfigureAwait(false))
        {
            try
            {
                var served = await dispatch.ChatAsync(plan, prepared, cancellationToken).ConfigureAwait(false);
                await ticket.SettleAsync(UsageOutcomes.Success, served.Backend, served.Value.Usage, null, time.GetTimestamp()).ConfigureAwait(false);
                return new ChatResult(model, served.Value, served.Backend, served.Attempts);
            }
            catch (ScaiGridException ex)
            {
                await ticket.SettleAsync(UsageOutcomes.Error, null, Usage.Zero, ex.Code.Code, null).ConfigureAwait(false);
                throw;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await ticket.SettleAsync(UsageOutcomes.ClientCancelled, null, Usage.Zero, null, null).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// Opens the stream on the first backend that yields content. Failures before that fail over or
    /// throw (the caller still answers with an ordinary error); after it, the stream's own error event.
    /// </summary>
    public async Task<ChatStreamSession> StreamAsync(CallerContext caller, ChatRequest request, string requestId, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var model = routing.Resolve(request.Model, caller);
        var plan = routing.Plan(model, StreamCapability);
        var (prepared, ticket) = await PrepareAsync(caller, model, plan, request, requestId, started, cancellationToken).ConfigureAwait(false);
        try
        {
            var served = await dispatch.OpenStreamAsync(plan, prepared, cancellationToken).ConfigureAwait(false);
            return new ChatStreamSession(model, served.Backend, served.Value, ticket, TokenEstimator.InputApproximate(prepared), time.GetTimestamp(), metrics);
        }
        catch (ScaiGridException ex)
        {
            await ticket.SettleAsync(UsageOutcomes.Error, null, Usage.Zero, ex.Code.Code, null).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ticket.SettleAsync(UsageOutcomes.ClientCancelled, null, Usage.Zero, null, null).ConfigureAwait(false);
            throw;
        }
        catch
        {
            await ticket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<EmbeddingResult> EmbedAsync(CallerContext caller, EmbeddingRequest request, string requestId, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var model = routing.Resolve(request.Model, caller);
        var plan = routing.Plan(model, EmbeddingsCapability);
        var context = new UsageContext(requestId, caller, model.Slug, false, started, time);
        await using var ticket = await accounting.BeginAsync(context, plan, TokenEstimator.InputUpperBound(request.Inputs), 0, cancellationToken).ConfigureAwait(false);
        try
        {
            var served = await dispatch.EmbedAsync(plan, request, cancellationToken).ConfigureAwait(false);
            await ticket.SettleAsync(UsageOutcomes.Success, served.Backend, new Usage { InputTokens = served.Value.InputTokens }, null, time.GetTimestamp()).ConfigureAwait(false);
            return new EmbeddingResult(model, served.Value, served.Backend);
        }
        catch (ScaiGridException ex)
        {
            await ticket.SettleAsync(UsageOutcomes.Error, null, Usage.Zero, ex.Code.Code, null).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Rewrites the system prompt, then reserves the budget for the rewritten request. With a budget in
    /// force and no output cap asked for, the reservation's cap is sent upstream so the bound holds.
    /// </summary>
    private async Task<(ChatRequest Prepared, AccountingTicket Ticket)> PrepareAsync(CallerContext caller, FrontendEntry model, IReadOnlyList<RouteEntry> plan, ChatRequest request, string requestId, long started, CancellationToken cancellationToken)
    {
        var prepared = rewriter.Apply(model, request, caller);
        var maxOutput = AccountingService.EffectiveMaxOutputTokens(prepared.MaxOutputTokens, plan);
        var context = new UsageContext(requestId, caller, model.Slug, request.Stream, started, time);
        var ticket = await accounting.BeginAsync(context, plan, TokenEstimator.InputUpperBound(prepared), maxOutput, cancellationToken).ConfigureAwait(false);
        if (ticket.HasBudgets && prepared.MaxOutputTokens is null)
        {
            prepared = prepared.With(maxOutputTokens: maxOutput);
        }

        return (prepared, ticket);
    }
}

public sealed record ChatResult(FrontendEntry Model, ChatResponse Response, BackendEntry Backend, int Attempts);

public sealed record EmbeddingResult(FrontendEntry Model, EmbeddingResponse Response, BackendEntry Backend);

/// <summary>
/// A committed stream: reads every upstream event once, keeping the finish reason and the latest usage,
/// so that whatever writes the client's dialect can end with them (or with an error), and settles the
/// request's usage when it completes — or, cut by the client, with what was consumed until then.
/// </summary>
public sealed class ChatStreamSession : IAsyncDisposable
{
    private readonly OpenStream _stream;
    private readonly AccountingTicket _ticket;
    private readonly long _inputEstimate;
    private readonly long _firstTokenAt;

    private readonly ScaiGridMetrics _metrics;

    internal ChatStreamSession(FrontendEntry model, BackendEntry backend, OpenStream stream, AccountingTicket ticket, long inputEstimate, long firstTokenAt, ScaiGridMetrics metrics)
    {
        _metrics = metrics;
        _metrics.StreamStarted();
        Model = model;
        Backend = backend;
        _stream = stream;
        _ticket = ticket;
        _inputEstimate = inputEstimate;
        _firstTokenAt = firstTokenAt;
    }

    public FrontendEntry Model { get; }

    public BackendEntry Backend { get; }

    public FinishReason? FinishReason { get; private set; }

    public Usage Usage { get; private set; } = Usage.Zero;

    public string? UpstreamResponseId { get; private set; }

    /// <summary>Output characters seen so far: the fallback estimate of output tokens when a stream is cut before usage arrives.</summary>
    public long OutputCharacters { get; private set; }

    public async IAsyncEnumerable<ChatStreamEvent> ReadAllAsync()
    {
        foreach (var e in _stream.Head)
        {
            Observe(e);
            yield return e;
        }

        if (!_stream.HasMore)
        {
            yield break;
        }

        while (await _stream.Rest.MoveNextAsync().ConfigureAwait(false))
        {
            var e = _stream.Rest.Current;
            Observe(e);
            yield return e;
        }
    }

    public bool TimedOut(CancellationToken clientToken) => _stream.TimedOut(clientToken);

    /// <summary>Settles the usage: the upstream's figures when complete, else what was consumed so far.</summary>
    public Task CompleteAsync(string outcome, string? errorCode)
    {
        var usage = Usage;
        if (outcome != UsageOutcomes.Success)
        {
            // Cut short: the upstream read the whole prompt and wrote what we forwarded.
            usage = usage with
            {
                InputTokens = Math.Max(usage.InputTokens, _inputEstimate),
                OutputTokens = Math.Max(usage.OutputTokens, TokenEstimator.OutputFromCharacters(OutputCharacters)),
            };
        }

        return _ticket.SettleAsync(outcome, Backend, usage, errorCode, _firstTokenAt);
    }

    public async ValueTask DisposeAsync()
    {
        // Not completed by the writer: the client went away mid-stream.
        await CompleteAsync(UsageOutcomes.ClientCancelled, null).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _metrics.StreamEnded();
    }

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
