using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Core.Observability.Tracing;
using ScaiGrid.Providers;

namespace ScaiGrid.Core.Dispatch;

/// <summary>The backend that answered, and after how many upstream attempts.</summary>
public sealed record Served<T>(T Value, BackendEntry Backend, int Attempts);

/// <summary>
/// Sends a call along a routing plan: per-backend circuit breakers, failover on connect errors, timeouts,
/// 5xx and 429, bounded retry rounds with jittered backoff that honour <c>Retry-After</c>, and one total
/// timeout. Streams fail over only until their first content event — nothing has reached the client before.
/// </summary>
public sealed partial class DispatchService(
    ProviderRegistry providers,
    CircuitBreakerRegistry breakers,
    DispatchOptions options,
    ScaiGridMetrics metrics,
    IHttpContextAccessor httpContext,
    ILogger<DispatchService> logger)
{
    public Task<Served<ChatResponse>> ChatAsync(IReadOnlyList<RouteEntry> plan, ChatRequest request, CancellationToken cancellationToken) =>
        RunAsync<IChatProvider, ChatResponse>(plan, (p, target, ct) => p.ChatAsync(target, request, ct), cancellationToken);

    public Task<Served<EmbeddingResponse>> EmbedAsync(IReadOnlyList<RouteEntry> plan, EmbeddingRequest request, CancellationToken cancellationToken) =>
        RunAsync<IEmbeddingProvider, EmbeddingResponse>(plan, (p, target, ct) => p.EmbedAsync(target, request, ct), cancellationToken);

    /// <summary>
    /// Opens a stream on the first backend that produces content. The returned <see cref="OpenStream"/>
    /// owns the upstream response and the total-timeout clock; dispose it when done.
    /// </summary>
    public async Task<Served<OpenStream>> OpenStreamAsync(IReadOnlyList<RouteEntry> plan, ChatRequest request, CancellationToken cancellationToken)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lifetime.CancelAfter(options.TotalTimeout);
        try
        {
            return await RunAsync<IChatStreamProvider, OpenStream>(plan, async (p, target, _) =>
            {
                var events = p.StreamChatAsync(target, request, lifetime.Token).GetAsyncEnumerator(lifetime.Token);
                var head = new List<ChatStreamEvent>(2);
                try
                {
                    while (await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        head.Add(events.Current);
                        if (events.Current is not StreamStarted)
                        {
                            return new OpenStream(events, head, hasMore: true, lifetime);
                        }
                    }

                    return new OpenStream(events, head, hasMore: false, lifetime);
                }
                catch
                {
                    await events.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }, lifetime.Token, cancellationToken, totalTimeout: false).ConfigureAwait(false);
        }
        catch
        {
            lifetime.Dispose();
            throw;
        }
    }

    private Task<Served<TResult>> RunAsync<TProvider, TResult>(IReadOnlyList<RouteEntry> plan, Func<TProvider, ProviderTarget, CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
        where TProvider : class, IProvider =>
        RunAsync(plan, call, cancellationToken, cancellationToken, totalTimeout: true);

    private async Task<Served<TResult>> RunAsync<TProvider, TResult>(
        IReadOnlyList<RouteEntry> plan,
        Func<TProvider, ProviderTarget, CancellationToken, Task<TResult>> call,
        CancellationToken token,
        CancellationToken clientToken,
        bool totalTimeout)
        where TProvider : class, IProvider
    {
        using var total = totalTimeout ? CancellationTokenSource.CreateLinkedTokenSource(token) : null;
        total?.CancelAfter(options.TotalTimeout);
        var callToken = total?.Token ?? token;

        // The request's overhead clock: time spent here waiting on upstreams is not gateway overhead.
        var timing = httpContext.HttpContext?.Features.Get<RequestTiming>();
        ScaiGridException? lastError = null;
        HashSet<string>? failedBackends = null; // only a failover needs it
        var attempts = 0;
        var round = 0;
        while (attempts < options.MaxAttempts)
        {
            var progressed = false;
            foreach (var route in plan)
            {
                if (attempts >= options.MaxAttempts)
                {
                    break;
                }

                var breaker = breakers.For(route.Backend.Id);
                if (!breaker.TryAcquire())
                {
                    continue;
                }

                if (!providers.TryGet<TProvider>(route.Backend.Target.ProviderType, out var provider) || provider is null)
                {
                    // A backend whose provider type cannot serve this call (e.g. no embeddings): not its fault.
                    breaker.RecordIgnored();
                    continue;
                }

                progressed = true;
                attempts++;
                var backendId = route.Backend.Id;
                var providerType = route.Backend.Target.ProviderType;
                var attemptStart = Stopwatch.GetTimestamp();
                using var span = ScaiGridTracing.StartUpstreamAttempt(providerType, backendId, attempts);
                try
                {
                    var value = await call(provider, route.Backend.Target, callToken).ConfigureAwait(false);
                    timing?.AddUpstreamWaitSince(attemptStart);
                    timing?.MarkFirstUpstreamByte();
                    metrics.UpstreamCompleted(providerType, backendId, "success", Stopwatch.GetElapsedTime(attemptStart).TotalSeconds);
                    breaker.RecordSuccess();
                    ReportCircuit(breaker);
                    if (attempts > 1)
                    {
                        LogServedAfterFailover(route.Backend.Id, attempts);
                    }
                    else
                    {
                        LogServed(route.Backend.Id);
                    }

                    return new Served<TResult>(value, route.Backend, attempts);
                }
                catch (ScaiGridException ex) when (ex.Details is UpstreamErrorDetails { Retryable: true })
                {
                    timing?.AddUpstreamWaitSince(attemptStart);
                    metrics.UpstreamCompleted(providerType, backendId, "failure", Stopwatch.GetElapsedTime(attemptStart).TotalSeconds);
                    metrics.UpstreamError(providerType, backendId, ex.Code.Code);
                    span?.SetStatus(ActivityStatusCode.Error, ex.Code.Code);
                    breaker.RecordFailure();
                    ReportCircuit(breaker);
                    (failedBackends ??= new HashSet<string>(StringComparer.Ordinal)).Add(route.Backend.Id);
                    lastError = ex;
                    LogAttemptFailed(route.Backend.Id, route.Backend.Target.ProviderType, ex.Code.Code, attempts);
                }
                catch (ScaiGridException ex)
                {
                    // The upstream answered and refused the request itself: the backend is healthy.
                    timing?.AddUpstreamWaitSince(attemptStart);
                    metrics.UpstreamError(providerType, backendId, ex.Code.Code);
                    breaker.RecordSuccess();
                    throw;
                }
                catch (OperationCanceledException) when (clientToken.IsCancellationRequested)
                {
                    breaker.RecordIgnored();
                    throw;
                }
                catch (OperationCanceledException) when (callToken.IsCancellationRequested)
                {
                    breaker.RecordFailure();
                    throw new ScaiGridException(ErrorCodes.UpstreamTimeout, $"The upstream did not finish within {options.TotalTimeout.TotalSeconds:0} s.");
                }
                catch
                {
                    breaker.RecordIgnored();
                    throw;
                }
            }

            if (!progressed || attempts >= options.MaxAttempts || lastError is null)
            {
                break;
            }

            // Every usable backend failed this round: wait (Retry-After when the upstream named it) and go again.
            round++;
            var delay = lastError.RetryAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Backoff(round);
            if (delay > options.MaxRetryAfter)
            {
                break;
            }

            await Task.Delay(delay, callToken).ConfigureAwait(false);
        }

        if (lastError is null)
        {
            throw new ScaiGridException(ErrorCodes.BackendUnavailable, "No backend of this model is available; retry later.") { RetryAfterSeconds = 5 };
        }

        // One backend failing the same way tells the caller more than a generic "unavailable".
        if (failedBackends?.Count == 1 && plan.Count == 1)
        {
            throw lastError;
        }

        throw new ScaiGridException(ErrorCodes.BackendUnavailable, $"Every backend of this model failed ({attempts} attempts); the last said: {lastError.Message}", details: lastError.Details)
        {
            RetryAfterSeconds = lastError.RetryAfterSeconds ?? 5,
        };
    }

    private void ReportCircuit(CircuitBreaker breaker) => metrics.CircuitState(breaker.BackendId, breaker.State switch
    {
        CircuitState.Closed => CircuitBreakerState.Closed,
        CircuitState.Open => CircuitBreakerState.Open,
        _ => CircuitBreakerState.HalfOpen,
    });

    private TimeSpan Backoff(int round)
    {
        // Full jitter around an exponential base spreads retries of many clients apart.
        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, round - 1);
        return TimeSpan.FromMilliseconds(exponential * (0.5 + Random.Shared.NextDouble()));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream attempt {Attempt} on backend {Backend} ({Provider}) failed with {Code}")]
    private partial void LogAttemptFailed(string backend, string provider, string code, int attempt);

    // Every request's backend is in its usage record; the log line is for operators who turn Debug on.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Served by backend {Backend}")]
    private partial void LogServed(string backend);

    [LoggerMessage(Level = LogLevel.Information, Message = "Served by backend {Backend} after {Attempts} attempts")]
    private partial void LogServedAfterFailover(string backend, int attempts);
}

/// <summary>
/// A stream that produced its first content: the events already read (<see cref="Head"/>), then the rest of
/// the upstream enumerator. Disposing it closes the upstream response and the total-timeout clock.
/// </summary>
public sealed class OpenStream(IAsyncEnumerator<ChatStreamEvent> rest, IReadOnlyList<ChatStreamEvent> head, bool hasMore, CancellationTokenSource lifetime) : IAsyncDisposable
{
    public IReadOnlyList<ChatStreamEvent> Head { get; } = head;

    public bool HasMore { get; } = hasMore;

    public IAsyncEnumerator<ChatStreamEvent> Rest { get; } = rest;

    /// <summary>Cancelled when the client leaves or the total timeout passes.</summary>
    public CancellationToken Token => lifetime.Token;

    /// <summary>True when the total timeout (not the client) ended the stream.</summary>
    public bool TimedOut(CancellationToken clientToken) => lifetime.IsCancellationRequested && !clientToken.IsCancellationRequested;

    public async ValueTask DisposeAsync()
    {
        await Rest.DisposeAsync().ConfigureAwait(false);
        lifetime.Dispose();
    }
}
