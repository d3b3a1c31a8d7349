using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace ScaiGrid.Core.Observability.Metrics;

/// <summary>
/// Per-request clock for the gateway-overhead measurement, in <see cref="HttpContext.Features"/>.
/// Dispatch code adds the time it spends waiting on the upstream; overhead is everything else.
/// Stopwatch timestamps only: no allocation beyond this object.
/// </summary>
public sealed class RequestTiming
{
    public RequestTiming(long startTimestamp)
    {
        StartTimestamp = startTimestamp;
    }

    public long StartTimestamp { get; }

    /// <summary>Accumulated upstream wait in Stopwatch ticks (interlocked: a dispatcher may race a hedge).</summary>
    private long _upstreamWaitTicks;

    public long FirstUpstreamByteTimestamp { get; private set; }

    public TimeSpan UpstreamWait => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _upstreamWaitTicks));

    /// <summary>Adds time spent waiting on an upstream (connect, request, response, each stream read).</summary>
    public void AddUpstreamWait(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            Interlocked.Add(ref _upstreamWaitTicks, (long)(wait.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond)));
        }
    }

    /// <summary>Adds the wait from <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>) until now.</summary>
    public void AddUpstreamWaitSince(long startTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        if (now > startTimestamp)
        {
            Interlocked.Add(ref _upstreamWaitTicks, now - startTimestamp);
        }
    }

    /// <summary>
    /// Marks the first byte of a streamed upstream reply (the first call wins). Streams call it so the
    /// time-to-first-byte is known even though the response headers are sent later.
    /// </summary>
    public void MarkFirstUpstreamByte()
    {
        if (FirstUpstreamByteTimestamp == 0)
        {
            FirstUpstreamByteTimestamp = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Elapsed since the request arrived, minus the upstream wait so far; never negative.</summary>
    public TimeSpan OverheadNow()
    {
        var elapsed = Stopwatch.GetTimestamp() - StartTimestamp;
        var overhead = elapsed - Interlocked.Read(ref _upstreamWaitTicks);
        return overhead > 0 ? Stopwatch.GetElapsedTime(0, overhead) : TimeSpan.Zero;
    }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(StartTimestamp);
}

public static class RequestTimingHttpExtensions
{
    /// <summary>The request's timing, or null outside the HTTP host (gRPC, tests of bare handlers).</summary>
    public static RequestTiming? GetRequestTiming(this HttpContext context) => context.Features.Get<RequestTiming>();
}
