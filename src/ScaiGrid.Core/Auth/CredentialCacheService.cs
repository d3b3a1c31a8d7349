using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// Keeps <see cref="CredentialCache"/> fresh: loads it at start, reloads when an identity event arrives
/// (bursts coalesce into one reload), and every 30 s regardless, in case an event was missed
/// (pub/sub does not replay) or a row was changed by another process such as <c>scaigrid apply</c>.
/// </summary>
public sealed partial class CredentialCacheService(CredentialCache cache, IEventBus bus, ILogger<CredentialCacheService> logger) : BackgroundService
{
    public static readonly TimeSpan FullRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = bus.Subscribe(IdentityEvents.Topic, (_, _) =>
        {
            _signal.Writer.TryWrite(true);
            return Task.CompletedTask;
        });
        _signal.Writer.TryWrite(true);
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                wait.CancelAfter(FullRefreshInterval);
                try
                {
                    await _signal.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The periodic refresh.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                await cache.RefreshAsync(stoppingToken).ConfigureAwait(false);
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
