using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Configuration;

namespace ScaiGrid.Core.Accounting;

/// <summary>
/// Moves usage records from the buffer to the database in batches, off the request path; also requeues
/// batches of crashed flushers and reclaims budget reservations whose request died. On shutdown it drains
/// what this process still holds.
/// </summary>
internal sealed partial class UsageFlusher(IUsageBuffer buffer, UsageWriter writer, IBudgetLedger ledger, ScaiGridSettings settings, ILogger<UsageFlusher> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(250);

    // After a partial batch, let records gather briefly: under load this turns hundreds of tiny transactions
    // per second (each a WAL append + fsync on SQLite, a commit round trip on MariaDB) into a few full ones,
    // and delays a record's arrival in the database by at most this much.
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxHousekeeping = TimeSpan.FromSeconds(15);

    private TimeSpan Housekeeping => settings.UsageStaleBatch / 2 < MaxHousekeeping ? settings.UsageStaleBatch / 2 : MaxHousekeeping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextHousekeeping = DateTimeOffset.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTimeOffset.UtcNow >= nextHousekeeping)
                {
                    nextHousekeeping = DateTimeOffset.UtcNow + Housekeeping;
                    await buffer.RequeueStaleAsync(settings.UsageStaleBatch, stoppingToken).ConfigureAwait(false);
                    await ledger.ReclaimExpiredAsync(stoppingToken).ConfigureAwait(false);
                }

                var flushed = await FlushOnceAsync(stoppingToken).ConfigureAwait(false);
                if (flushed == 0)
                {
                    await WaitAsync(stoppingToken).ConfigureAwait(false);
                }
                else if (flushed < BatchSize)
                {
                    await Task.Delay(Linger, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database or Redis is away; records stay buffered and the next round retries.
                LogFlushFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Whatever is still buffered here goes to the database before the process exits.
        while (!cancellationToken.IsCancellationRequested && await FlushOnceAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <summary>Flushes one batch; returns how many records it held (0: the buffer was empty).</summary>
    internal async Task<int> FlushOnceAsync(CancellationToken cancellationToken)
    {
        var batch = await buffer.TakeAsync(BatchSize, cancellationToken).ConfigureAwait(false);
        if (batch is null)
        {
            return 0;
        }

        await writer.WriteAsync(batch.Records, CancellationToken.None).ConfigureAwait(false);
        await buffer.AckAsync(batch, CancellationToken.None).ConfigureAwait(false);
        return batch.Records.Count;
    }

    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        if (buffer is InMemoryUsageBuffer memory)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            idle.CancelAfter(Housekeeping);
            try
            {
                await memory.WaitAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Time for housekeeping.
            }

            return;
        }

        await Task.Delay(Idle, stoppingToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Flushing usage records failed; they stay buffered")]
    private partial void LogFlushFailed(Exception exception);
}
