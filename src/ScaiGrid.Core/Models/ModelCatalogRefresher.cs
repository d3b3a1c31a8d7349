using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Core.Hosting;

namespace ScaiGrid.Core.Models;

/// <summary>
/// Loads the catalog before traffic, reloads it when a <see cref="ModelEvents.Changed"/> event arrives
/// (from any replica through the event bus) and on a timer as a safety net for changes made by other
/// processes (e.g. <c>scaigrid apply</c> run beside a live server).
/// </summary>
internal sealed partial class ModelCatalogRefresher(ModelCatalog catalog, IEventBus events, ILogger<ModelCatalogRefresher> logger) : BackgroundService, IStartupStep
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public Task RunAsync(CancellationToken cancellationToken) => catalog.ReloadAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe(ModelEvents.Changed, (_, ct) => ReloadQuietlyAsync(ct));
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
            // Keep serving the last good snapshot; the database may be briefly unreachable.
            LogReloadFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model catalog reload failed; serving the previous snapshot")]
    private partial void LogReloadFailed(Exception exception);
}
