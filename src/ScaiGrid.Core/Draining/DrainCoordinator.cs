using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Configuration;

namespace ScaiGrid.Core.Draining;

/// <summary>
/// Waits for a drain to begin, then for the last in-flight request or the grace period, whichever comes
/// first, and stops the host; the process then exits 0 because a drain is an orderly shutdown.
/// </summary>
internal sealed partial class DrainCoordinator(DrainState drain, ScaiGridSettings settings, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<DrainCoordinator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string reason;
        try
        {
            reason = await drain.Requested.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        LogDrainStarted(reason, drain.InFlight, (int)settings.DrainGrace.TotalSeconds);
        var idle = drain.Idle;
        var finished = await Task.WhenAny(idle, Task.Delay(settings.DrainGrace, time, stoppingToken)).ConfigureAwait(false);
        if (finished == idle)
        {
            LogDrained();
        }
        else if (!stoppingToken.IsCancellationRequested)
        {
            LogGraceExpired(drain.InFlight);
        }

        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining ({Reason}): refusing new requests, waiting for {InFlight} in flight, at most {GraceSeconds} s")]
    private partial void LogDrainStarted(string reason, long inFlight, int graceSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: no request in flight, stopping")]
    private partial void LogDrained();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain grace period over with {InFlight} request(s) still in flight, stopping anyway")]
    private partial void LogGraceExpired(long inFlight);
}
