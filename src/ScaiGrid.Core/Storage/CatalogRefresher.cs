using System.Collections.Concurrent;
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

/// <summary>
/// Drives every registered <see cref="ICachedCatalog"/>: initial load (a start-up step), events and timer.
/// The timer reloads a catalog only when its topic's change marker moved (or <see cref="ChangeMarkers.SafetyNet"/>
/// passed): one small query per tick instead of re-reading every model, budget and limit every 10 s.
/// </summary>
internal sealed partial class CatalogRefresher(
    IEnumerable<ICachedCatalog> catalogs,
    IEventBus events,
    ScaiGridDatabase database,
    TimeProvider time,
    ILogger<CatalogRefresher> logger) : BackgroundService, IStartupStep
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<ICachedCatalog, (long? Generation, DateTimeOffset At)> _loaded = new();
    private List<IDisposable> _subscriptions = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var markers = await ReadMarkersAsync(cancellationToken).ConfigureAwait(false);
        foreach (var catalog in catalogs)
        {
            await ReloadAsync(catalog, markers, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Subscribes before the host finishes starting: since .NET 10 ExecuteAsync runs wholly in the background,
    /// so subscribing there left a window in which an event published right after start was lost (the timer
    /// used to hide that by reloading blindly).
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscriptions = catalogs.Select(c => events.Subscribe(c.Topic, (_, ct) => ReloadQuietlyAsync(c, null, ct))).ToList();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscriptions.ForEach(s => s.Dispose());
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await TickAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>One periodic pass: reload each catalog whose marker moved, or whose safety net ran out.</summary>
    internal async Task TickAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, long>? markers = null;
        try
        {
            markers = await ReadMarkersAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without markers every catalog reloads (and most likely fails and keeps its copy too).
            LogReloadFailed(ex, nameof(ChangeMarkers));
        }

        foreach (var catalog in catalogs)
        {
            if (markers is not null && _loaded.TryGetValue(catalog, out var loaded)
                && ChangeMarkers.Unchanged(markers, catalog.Topic, loaded.Generation, loaded.At, time.GetUtcNow()))
            {
                continue;
            }

            await ReloadQuietlyAsync(catalog, markers, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<IReadOnlyDictionary<string, long>> ReadMarkersAsync(CancellationToken cancellationToken) =>
        ChangeMarkers.ReadAsync(database, cancellationToken);

    /// <summary>Reloads <paramref name="catalog"/>, remembering the marker generation read before the load began.</summary>
    private async Task ReloadAsync(ICachedCatalog catalog, IReadOnlyDictionary<string, long>? markers, CancellationToken cancellationToken)
    {
        markers ??= await ReadMarkersAsync(cancellationToken).ConfigureAwait(false);
        var at = time.GetUtcNow();
        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        _loaded[catalog] = (markers.TryGetValue(catalog.Topic, out var generation) ? generation : null, at);
    }

    private async Task ReloadQuietlyAsync(ICachedCatalog catalog, IReadOnlyDictionary<string, long>? markers, CancellationToken cancellationToken)
    {
        try
        {
            await ReloadAsync(catalog, markers, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Keep serving the last good copy; the database may be briefly unreachable.
            _loaded.TryRemove(catalog, out _);
            LogReloadFailed(ex, catalog.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reloading {Catalog} failed; serving the previous copy")]
    private partial void LogReloadFailed(Exception exception, string catalog);
}
