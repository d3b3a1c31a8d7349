using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Accounting;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>Adds each settled request's tokens to the caller's tokens-per-minute windows.</summary>
internal sealed class RateLimitTokenRecorder(RateLimiter limiter) : ISettledUsageListener
{
    public ValueTask OnSettledAsync(CallerContext caller, UsageRecordRow record, CancellationToken cancellationToken)
    {
        var tokens = record.InputTokens + record.OutputTokens;
        return tokens > 0 ? new ValueTask(limiter.RecordTokensAsync(caller, tokens, cancellationToken)) : ValueTask.CompletedTask;
    }
}
