using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Core.Hosting;

namespace ScaiGrid.Core.Storage;

/// <summary>
/// An in-memory copy of database rows the hot path reads (models, budgets, limits, keys…): loaded before
/// traffic, reloaded when its event topic fires on any replica, and on a timer as a safety net.
/// </summary>
public interface ICachedCatalog
{
    /// <summary>The event topic that invalidates this catalog.</summary>
    string Topic { get; }

    Task ReloadAsync(CancellationToken cancellationToken);
}

/// <summary>Drives every registered <see cref="ICachedCatalog"/>: initial load (a start-up step), events and timer.</summary>
internal sealed partial class CatalogRefresher(IEnumerable<ICachedCatalog> catalogs, IEventBus events, ILogger<CatalogRefresher> logger) : BackgroundService, IStartupStep
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var catalog in catalogs)
        {
            await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriptions = catalogs.Select(c => events.Subscribe(c.Topic, (_, ct) => ReloadQuietlyAsync(c, ct))).ToList();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var catalog in catalogs)
                {
                    await ReloadQuietlyAsync(catalog, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            subscriptions.ForEach(s => s.Dispose());
        }
    }

    private async Task ReloadQuietlyAsync(ICachedCatalog catalog, CancellationToken cancellationToken)
    {
        try
        {
            await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Keep serving the last good copy; the database may be briefly unreachable.
            LogReloadFailed(ex, catalog.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reloading {Catalog} failed; serving the previous copy")]
    private partial void LogReloadFailed(Exception exception, string catalog);
}
