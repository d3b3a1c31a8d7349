using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// Keeps <see cref="CredentialCache"/> fresh: loads it at start, reloads when an identity event arrives
/// (bursts coalesce into one reload), and checks every 30 s whether the identity change marker moved, in
/// case an event was missed (pub/sub does not replay) or another process such as <c>scaigrid apply</c>
/// changed rows without Redis to announce it — reloading then, or at the latest every
/// <see cref="ChangeMarkers.SafetyNet"/>.
/// </summary>
public sealed partial class CredentialCacheService(CredentialCache cache, IEventBus bus, ILogger<CredentialCacheService> logger) : BackgroundService
{
    public static readonly TimeSpan FullRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private IDisposable? _subscription;

    /// <summary>Subscribes before the host finishes starting (ExecuteAsync runs in the background since .NET 10).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(IdentityEvents.Topic, (_, _) =>
        {
            _signal.Writer.TryWrite(true);
            return Task.CompletedTask;
        });
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _signal.Writer.TryWrite(true);
        var onlyIfChanged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                wait.CancelAfter(FullRefreshInterval);
                try
                {
                    await _signal.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    onlyIfChanged = false;
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The periodic check.
                    onlyIfChanged = true;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                if (onlyIfChanged)
                {
                    await cache.RefreshIfChangedAsync(stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await cache.RefreshAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The previous snapshot stays in use; the next event or tick retries.
                LogRefreshFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential cache refresh failed; serving the previous snapshot")]
    private partial void LogRefreshFailed(Exception exception);
}
