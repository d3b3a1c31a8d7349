using System.Text.Json.Nodes;
using System.Threading.Channels;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Audit;

/// <summary>One mutation to record. <see cref="Summary"/> is redacted before it is stored.</summary>
public sealed record AuditEntry
{
    public string Id { get; init; } = Ids.New("aud");
    public required string RequestId { get; init; }
    public required string ActorType { get; init; }
    public required string ActorId { get; init; }
    public string? PartnerId { get; init; }
    public string? TenantId { get; init; }
    public required string Action { get; init; }
    public required string TargetType { get; init; }
    public string? TargetId { get; init; }
    public JsonObject? Summary { get; init; }
    public required string Outcome { get; init; }
    public long CreatedAt { get; init; } = UnixMs.Now();
}

public interface IAuditLog
{
    /// <summary>Queues <paramref name="entry"/>; never blocks the caller and never throws for storage trouble.</summary>
    void Record(AuditEntry entry);

    /// <summary>Writes everything queued so far (tests, the CLI before it exits, shutdown).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Buffers entries in an unbounded channel and writes them in batches. Writes are idempotent by entry id,
/// so a batch retried after a failure never duplicates. What is still queued is written when the host
/// stops and again when the container is disposed (after the web server has drained its last requests).
/// </summary>
public sealed partial class AuditLog(ScaiGridDatabase database, ILogger<AuditLog> logger) : BackgroundService, IAuditLog, IAsyncDisposable
{
    private const int BatchSize = 200;
    private static readonly string[] SecretWords = ["key", "token", "secret", "password", "credential", "authorization"];

    private readonly Channel<AuditRow> _queue = Channel.CreateUnbounded<AuditRow>(new UnboundedChannelOptions { SingleReader = false });
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public void Record(AuditEntry entry) => _queue.Writer.TryWrite(new AuditRow
    {
        Id = entry.Id,
        RequestId = entry.RequestId,
        ActorType = entry.ActorType,
        ActorId = entry.ActorId,
        PartnerId = entry.PartnerId,
        TenantId = entry.TenantId,
        Action = entry.Action,
        TargetType = entry.TargetType,
        TargetId = entry.TargetId,
        SummaryJson = entry.Summary is null ? null : Redact(entry.Summary).ToJsonString(),
        Outcome = entry.Outcome,
        CreatedAt = entry.CreatedAt,
    });

    /// <summary>A copy of <paramref name="summary"/> where every field named like a secret reads <c>***</c>.</summary>
    public static JsonObject Redact(JsonObject summary)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in summary)
        {
            var secret = SecretWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase)) && !name.EndsWith("_id", StringComparison.Ordinal) && !name.StartsWith("has_", StringComparison.Ordinal);
            copy[name] = secret && value is not null ? "***" : value is JsonObject inner ? Redact(inner) : value?.DeepClone();
        }

        return copy;
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<AuditRow>();
            while (_queue.Reader.TryRead(out var row))
            {
                batch.Add(row);
                if (batch.Count == BatchSize)
                {
                    await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!await FlushSafelyAsync(stoppingToken).ConfigureAwait(false))
                {
                    // The database is away: back off instead of spinning on the re-queued batch.
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: StopAsync and DisposeAsync write the rest.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushSafelyAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await FlushSafelyAsync(CancellationToken.None).ConfigureAwait(false);
        Dispose();
    }

    private async Task<bool> FlushSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWriteFailed(ex);
            return false;
        }
    }

    private async Task WriteAsync(List<AuditRow> batch, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = database.Open();
            await using var tx = await db.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var ids = batch.Select(r => r.Id).ToList();
            var existing = (await db.GetTable<AuditRow>().Where(r => ids.Contains(r.Id)).Select(r => r.Id).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            foreach (var row in batch.Where(r => !existing.Contains(r.Id)))
            {
                await db.InsertAsync(row, token: cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Put the batch back so the next flush retries it; ids make the retry idempotent.
            foreach (var row in batch)
            {
                _queue.Writer.TryWrite(row);
            }

            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the audit log failed; entries stay queued for the next attempt")]
    private partial void LogWriteFailed(Exception exception);
}
