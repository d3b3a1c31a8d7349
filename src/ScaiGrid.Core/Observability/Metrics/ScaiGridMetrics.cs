using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ScaiGrid.Core.Observability.Metrics;

/// <summary>State of one backend's circuit breaker, as the <c>scaigrid_circuit_state</c> gauge reports it.</summary>
public enum CircuitBreakerState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
    Isolated = 3,
}

/// <summary>
/// Every ScaiGrid metric, on the meter <c>ScaiGrid</c>; docs/observability.md lists their Prometheus names.
/// Callers use these typed methods instead of instruments so label names and units stay in one place.
/// Labels are low-cardinality by construction: route patterns, provider/backend/model slugs, error codes.
/// </summary>
public sealed class ScaiGridMetrics
{
    public const string MeterName = "ScaiGrid";

    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
    private static readonly double[] OverheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    // Boxed once: a status tag boxed per request would be the only allocation of the counter path.
    private static readonly object[] StatusBoxes = Enumerable.Range(0, 600).Select(i => (object)i).ToArray();

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _overhead;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Counter<long> _upstreamErrors;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _cost;
    private readonly Counter<long> _budgetRejections;
    private readonly Counter<long> _rateLimited;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly ConcurrentDictionary<string, int> _circuits = new(StringComparer.Ordinal);

    public ScaiGridMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName, typeof(ScaiGridMetrics).Assembly.GetName().Version?.ToString(3));
        _requests = meter.CreateCounter<long>("scaigrid.requests", description: "HTTP requests served, by route pattern, method and status.");
        _requestDuration = meter.CreateHistogram("scaigrid.request.duration", "s", "Time from the request's arrival to the end of its response.", advice: Buckets(DurationBuckets));
        _overhead = meter.CreateHistogram("scaigrid.gateway.overhead", "s", "Time spent in ScaiGrid itself: total request time minus time waiting on the upstream.", advice: Buckets(OverheadBuckets));
        _upstreamDuration = meter.CreateHistogram("scaigrid.upstream.duration", "s", "Duration of each upstream attempt, by provider, backend and outcome.", advice: Buckets(DurationBuckets));
        _upstreamErrors = meter.CreateCounter<long>("scaigrid.upstream.errors", description: "Failed upstream attempts, by provider, backend and ScaiGrid error code.");
        _timeToFirstToken = meter.CreateHistogram("scaigrid.time_to_first_token", "s", "Time from sending a streaming upstream request to its first content.", advice: Buckets(DurationBuckets));
        _tokens = meter.CreateCounter<long>("scaigrid.tokens", description: "Tokens consumed, by frontend model and direction (input or output).");
        _cost = meter.CreateCounter<long>("scaigrid.cost.nano_usd", description: "Cost charged, in nano-USD (1 USD = 1e9), by frontend model.");
        _budgetRejections = meter.CreateCounter<long>("scaigrid.budget.rejections", description: "Requests refused because a budget was exhausted, by budget scope.");
        _rateLimited = meter.CreateCounter<long>("scaigrid.rate_limit.rejections", description: "Requests refused by a rate limit, by limit scope.");
        _activeStreams = meter.CreateUpDownCounter<long>("scaigrid.streams.active", description: "Streaming responses in flight.");
        meter.CreateObservableGauge("scaigrid.circuit.state", ObserveCircuits, description: "Circuit breaker state per backend: 0 closed, 1 half-open, 2 open, 3 isolated.");
    }

    public void RequestCompleted(string route, string method, int status, double seconds)
    {
        var tags = new TagList { { "route", route }, { "method", method }, { "status", Status(status) } };
        _requests.Add(1, tags);
        _requestDuration.Record(seconds, tags);
    }

    public void Overhead(string route, double seconds) => _overhead.Record(seconds, new KeyValuePair<string, object?>("route", route));

    /// <param name="outcome">Short and bounded: <c>success</c>, <c>error</c>, <c>timeout</c>, <c>cancelled</c>.</param>
    public void UpstreamCompleted(string provider, string backend, string outcome, double seconds) =>
        _upstreamDuration.Record(seconds, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("outcome", outcome));

    /// <param name="code">A ScaiGrid error code such as <c>UPSTREAM_TIMEOUT</c>, never upstream text.</param>
    public void UpstreamError(string provider, string backend, string code) =>
        _upstreamErrors.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("code", code));

    public void TimeToFirstToken(string provider, string backend, double seconds) =>
        _timeToFirstToken.Record(seconds, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("backend", backend));

    /// <param name="direction"><c>input</c> or <c>output</c>.</param>
    public void Tokens(string frontendModel, string direction, long count)
    {
        if (count > 0)
        {
            _tokens.Add(count, new KeyValuePair<string, object?>("model", frontendModel), new KeyValuePair<string, object?>("direction", direction));
        }
    }

    public void Cost(string frontendModel, long nanoUsd)
    {
        if (nanoUsd > 0)
        {
            _cost.Add(nanoUsd, new KeyValuePair<string, object?>("model", frontendModel));
        }
    }

    /// <param name="scope">The budget's level: <c>partner</c>, <c>tenant</c>, <c>user</c>, <c>key</c>.</param>
    public void BudgetRejected(string scope) => _budgetRejections.Add(1, new KeyValuePair<string, object?>("scope", scope));

    public void RateLimited(string scope) => _rateLimited.Add(1, new KeyValuePair<string, object?>("scope", scope));

    /// <summary>Records a breaker transition; the gauge reports the latest state of every backend seen.</summary>
    public void CircuitState(string backend, CircuitBreakerState state) => _circuits[backend] = (int)state;

    public void StreamStarted() => _activeStreams.Add(1);

    public void StreamEnded() => _activeStreams.Add(-1);

    private static object Status(int status) => (uint)status < (uint)StatusBoxes.Length ? StatusBoxes[status] : status;

    private static InstrumentAdvice<double> Buckets(double[] boundaries) => new() { HistogramBucketBoundaries = boundaries };

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        foreach (var (backend, state) in _circuits)
        {
            yield return new Measurement<int>(state, new KeyValuePair<string, object?>("backend", backend));
        }
    }
}
