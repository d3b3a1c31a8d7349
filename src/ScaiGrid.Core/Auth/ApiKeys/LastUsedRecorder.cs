using System.Collections.Concurrent;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Auth.ApiKeys;

/// <summary>
/// Records <c>api_keys.last_used_at</c> off the request path: a request only notes the time in memory,
/// at most once a minute per key, and a background loop writes the pending times in one batch.
/// Pending times are written on shutdown too.
/// </summary>
public sealed partial class LastUsedRecorder(ScaiGridDatabase database, ILogger<LastUsedRecorder> logger) : BackgroundService
{
    public const long MinIntervalMs = 60_000;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, long> _noted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _pending = new(StringComparer.Ordinal);

    public void Touch(string keyId, long nowMs)
    {
        if (_noted.TryGetValue(keyId, out var last) && nowMs - last < MinIntervalMs)
        {
            return;
        }

        _noted[keyId] = nowMs;
        _pending[keyId] = nowMs;
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = new List<KeyValuePair<string, long>>();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var at))
            {
                batch.Add(new(id, at));
            }
        }

        await using var db = database.Open();
        await using var tx = await db.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (id, at) in batch)
        {
            await db.GetTable<ApiKeyRow>().Where(k => k.Id == id).Set(k => k.LastUsedAt, at).UpdateAsync(cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushSafelyAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the final flush follows in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushSafelyAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // last_used_at is informational; losing one batch must never affect requests.
            LogFlushFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record API key last use")]
    private partial void LogFlushFailed(Exception exception);
}
