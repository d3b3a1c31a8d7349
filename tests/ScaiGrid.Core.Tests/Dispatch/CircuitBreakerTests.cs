using ScaiGrid.Core.Dispatch;
using ScaiGrid.Testing;

namespace ScaiGrid.Core.Tests.Dispatch;

public sealed class CircuitBreakerTests
{
    private readonly ManualTimeProvider _time = new();

    private CircuitBreaker Breaker(int consecutive = 3, double ratio = 0.5, int minimum = 10) => new("b", new DispatchOptions
    {
        BreakerConsecutiveFailures = consecutive,
        BreakerFailureRatio = ratio,
        BreakerMinimumThroughput = minimum,
        BreakerWindow = TimeSpan.FromSeconds(30),
        BreakerCooldown = TimeSpan.FromSeconds(10),
    }, _time);

    [Fact]
    public void ConsecutiveFailures_OpenTheCircuit()
    {
        var breaker = Breaker(consecutive: 3);

        breaker.RecordFailure();
        breaker.RecordFailure();
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.RecordFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.False(breaker.TryAcquire());
    }

    [Fact]
    public void SuccessInBetween_ResetsTheConsecutiveCount()
    {
        var breaker = Breaker(consecutive: 3, minimum: 1000);

        breaker.RecordFailure();
        breaker.RecordFailure();
        breaker.RecordSuccess();
        breaker.RecordFailure();
        breaker.RecordFailure();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void FailureRatio_OpensOnceEnoughCallsWereSeen()
    {
        var breaker = Breaker(consecutive: 100, ratio: 0.5, minimum: 10);

        for (var i = 0; i < 9; i++)
        {
            if (i % 2 == 0)
            {
                breaker.RecordFailure();
            }
            else
            {
                breaker.RecordSuccess();
            }
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.RecordSuccess();
        breaker.RecordFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void AfterCooldown_OneProbeIsAdmitted_AndItsSuccessCloses()
    {
        var breaker = Breaker(consecutive: 1);
        breaker.RecordFailure();
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(breaker.TryAcquire());

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.TryAcquire());
        breaker.RecordSuccess();
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void FailedProbe_OpensAgainForAnotherCooldown()
    {
        var breaker = Breaker(consecutive: 5);
        for (var i = 0; i < 5; i++)
        {
            breaker.RecordFailure();
        }

        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(breaker.TryAcquire());
        breaker.RecordFailure();

        Assert.Equal(CircuitState.Open, breaker.State);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(breaker.TryAcquire());
    }

    [Fact]
    public void IgnoredProbe_FreesTheProbeSlot()
    {
        var breaker = Breaker(consecutive: 1);
        breaker.RecordFailure();
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(breaker.TryAcquire());

        breaker.RecordIgnored();

        Assert.True(breaker.TryAcquire());
    }
}
