using System.Collections.Concurrent;
using ScaiGrid.Core.Observability;

namespace ScaiGrid.Core.Dispatch;

/// <summary>One <see cref="CircuitBreaker"/> per backend id, created on first use; state shown in /health.</summary>
public sealed class CircuitBreakerRegistry(DispatchOptions options, TimeProvider time) : IHealthContributor
{
    private readonly ConcurrentDictionary<string, CircuitBreaker> _breakers = new(StringComparer.Ordinal);

    public string Name => "circuit_breakers";

    /// <summary>An open circuit is a backend's problem, not this process's: it never makes /health not-ready.</summary>
    public bool AffectsReadiness => false;

    public CircuitBreaker For(string backendId) => _breakers.GetOrAdd(backendId, id => new CircuitBreaker(id, options, time));

    public IEnumerable<CircuitBreaker> All => _breakers.Values;

    public Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var backends = _breakers.Values
            .OrderBy(b => b.BackendId, StringComparer.Ordinal)
            .ToDictionary(b => b.BackendId, b => (object?)new Dictionary<string, object?>
            {
                ["state"] = b.State switch { CircuitState.Closed => "closed", CircuitState.Open => "open", _ => "half_open" },
                ["consecutive_failures"] = b.ConsecutiveFailures,
            });
        return Task.FromResult(new HealthCheckResult(true, new Dictionary<string, object?> { ["backends"] = backends }));
    }
}
