using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Accounting;

namespace ScaiGrid.Core.Observability.Metrics;

/// <summary>Counts tokens and cost by frontend model from each settled request.</summary>
internal sealed class UsageMetricsRecorder(ScaiGridMetrics metrics) : ISettledUsageListener
{
    public ValueTask OnSettledAsync(CallerContext caller, UsageRecordRow record, CancellationToken cancellationToken)
    {
        metrics.Tokens(record.FrontendModel, "input", record.InputTokens);
        metrics.Tokens(record.FrontendModel, "output", record.OutputTokens);
        metrics.Cost(record.FrontendModel, record.CostNanoUsd);
        if (record.TimeToFirstTokenMs is { } ttft && record.IsStream && record.BackendModel is { } backend)
        {
            metrics.TimeToFirstToken(record.ProviderId ?? "unknown", backend, ttft / 1000.0);
        }

        return ValueTask.CompletedTask;
    }
}
