namespace ScaiGrid.Core.Dispatch;

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>
/// One backend's circuit. Opens after <see cref="DispatchOptions.BreakerConsecutiveFailures"/> failures in a
/// row, or when the failure ratio in the rolling window reaches the threshold with enough calls; after the
/// cool-down one probe is let through (half-open): success closes the circuit, failure opens it again.
/// Hand-written rather than Polly's breaker: Polly wraps a delegate and only counts ratios, while a stream's
/// success is decided at its first byte, outside any single delegate, and consecutive failures must count.
/// </summary>
public sealed class CircuitBreaker(string backendId, DispatchOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long At, bool Failed)> _window = new();
    // Written only under _gate; volatile so the hot path can see "closed" without taking the lock. A closed
    // circuit stays closed until a failure is recorded (only Open → HalfOpen happens on reading), so an
    // unlocked read of Closed answers exactly what the locked evaluation would have answered at that moment.
    private volatile CircuitState _state = CircuitState.Closed;
    private int _consecutiveFailures;
    private long _openedAt;
    private bool _probeInFlight;

    public string BackendId { get; } = backendId;

    public CircuitState State
    {
        get
        {
            if (_state == CircuitState.Closed)
            {
                return CircuitState.Closed;
            }

            lock (_gate)
            {
                return Evaluate(time.GetTimestamp());
            }
        }
    }

    public int ConsecutiveFailures
    {
        get
        {
            lock (_gate)
            {
                return _consecutiveFailures;
            }
        }
    }

    /// <summary>Whether routing may send a call now. In half-open state only one probe is admitted at a time.</summary>
    public bool TryAcquire()
    {
        if (_state == CircuitState.Closed)
        {
            return true;
        }

        lock (_gate)
        {
            switch (Evaluate(time.GetTimestamp()))
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.HalfOpen when !_probeInFlight:
                    _probeInFlight = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Whether routing would admit a call, without taking the half-open probe slot.</summary>
    public bool IsAvailable
    {
        get
        {
            if (_state == CircuitState.Closed)
            {
                return true;
            }

            lock (_gate)
            {
                var state = Evaluate(time.GetTimestamp());
                return state == CircuitState.Closed || (state == CircuitState.HalfOpen && !_probeInFlight);
            }
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            _probeInFlight = false;
            _consecutiveFailures = 0;
            if (_state != CircuitState.Closed)
            {
                _state = CircuitState.Closed;
                _window.Clear();
            }

            Add(now, failed: false);
        }
    }

    public void RecordFailure()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var state = Evaluate(now);
            _probeInFlight = false;
            _consecutiveFailures++;
            Add(now, failed: true);
            if (state == CircuitState.HalfOpen || _consecutiveFailures >= options.BreakerConsecutiveFailures || RatioTripped())
            {
                _state = CircuitState.Open;
                _openedAt = now;
            }
        }
    }

    /// <summary>A call that ended for a reason that says nothing of the backend's health (client went away).</summary>
    public void RecordIgnored()
    {
        lock (_gate)
        {
            _probeInFlight = false;
        }
    }

    private CircuitState Evaluate(long now)
    {
        if (_state == CircuitState.Open && time.GetElapsedTime(_openedAt, now) >= options.BreakerCooldown)
        {
            _state = CircuitState.HalfOpen;
            _probeInFlight = false;
        }

        return _state;
    }

    private void Add(long now, bool failed)
    {
        _window.Enqueue((now, failed));
        while (_window.Count > 0 && time.GetElapsedTime(_window.Peek().At, now) > options.BreakerWindow)
        {
            _window.Dequeue();
        }
    }

    private bool RatioTripped()
    {
        if (_window.Count < options.BreakerMinimumThroughput)
        {
            return false;
        }

        var failures = 0;
        foreach (var (_, failed) in _window)
        {
            failures += failed ? 1 : 0;
        }

        return failures >= options.BreakerFailureRatio * _window.Count;
    }
}
