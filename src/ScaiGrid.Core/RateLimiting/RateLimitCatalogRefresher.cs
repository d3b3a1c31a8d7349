using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Core.Hosting;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>
/// Loads the limits before traffic, reloads on <see cref="RateLimitEvents.Changed"/> (from any replica
/// through the event bus) and on a timer, the safety net for changes written by other processes
/// (<c>scaigrid apply</c> beside a live server).
/// </summary>
internal sealed partial class RateLimitCatalogRefresher(RateLimitCatalog catalog, IEventBus events, ILogger<RateLimitCatalogRefresher> logger) : BackgroundService, IStartupStep
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public Task RunAsync(CancellationToken cancellationToken) => catalog.ReloadAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe(RateLimitEvents.Changed, (_, ct) => ReloadQuietlyAsync(ct));
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await ReloadQuietlyAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private async Task ReloadQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Keep enforcing the last good limits; the database may be briefly unreachable.
            LogReloadFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit catalog reload failed; enforcing the previous limits")]
    private partial void LogReloadFailed(Exception exception);
}
