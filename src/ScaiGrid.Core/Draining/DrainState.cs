namespace ScaiGrid.Core.Draining;

/// <summary>
/// Whether this process is draining, and how many requests it is still serving. Lock-free: the request
/// path touches one counter with two interlocked operations. Draining is one-way; a drained process exits.
/// </summary>
public sealed class DrainState
{
    private readonly TaskCompletionSource<string> _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _draining;
    private long _inFlight;

    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Completes with the reason ("SIGTERM", "admin") when a drain begins.</summary>
    public Task<string> Requested => _requested.Task;

    /// <summary>Completes once draining and no request is in flight.</summary>
    public Task Idle => _idle.Task;

    /// <summary>Starts the drain; false when one is already under way.</summary>
    public bool Begin(string reason)
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0)
        {
            return false;
        }

        _requested.TrySetResult(reason);
        if (InFlight == 0)
        {
            _idle.TrySetResult();
        }

        return true;
    }

    /// <summary>
    /// Counts a request in, unless draining. The increment comes before the check so a request that slips
    /// in while the drain begins is either counted (and waited for) or refused, never lost in between.
    /// </summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _inFlight);
        if (IsDraining)
        {
            Exit();
            return false;
        }

        return true;
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && IsDraining)
        {
            _idle.TrySetResult();
        }
    }
}
