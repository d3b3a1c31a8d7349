namespace ScaiGrid.Core.Dispatch;

/// <summary>Timeouts, retries and circuit-breaker thresholds of upstream dispatch (SCAIGRID_DISPATCH_*, SCAIGRID_BREAKER_*).</summary>
public sealed record DispatchOptions
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>From sending a request to the upstream's response headers.</summary>
    public TimeSpan FirstByteTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The whole call, streams included (<c>SCAIGRID_DISPATCH_STREAM_TIMEOUT_S</c>, 600 s; nginx's proxy_read_timeout must exceed it).</summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Upstream attempts per request across all backends, failovers and retries together.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The longest <c>Retry-After</c> ScaiGrid waits out itself; longer ones go back to the caller.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public int BreakerConsecutiveFailures { get; init; } = 5;

    public double BreakerFailureRatio { get; init; } = 0.5;

    public int BreakerMinimumThroughput { get; init; } = 10;

    public TimeSpan BreakerWindow { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerCooldown { get; init; } = TimeSpan.FromSeconds(15);
}
