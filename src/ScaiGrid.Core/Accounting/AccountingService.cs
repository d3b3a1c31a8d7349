using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Observability.Metrics;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting;

/// <summary>Told of every settled request (rate limiters count tokens, metrics count cost).</summary>
public interface ISettledUsageListener
{
    ValueTask OnSettledAsync(CallerContext caller, UsageRecordRow record, CancellationToken cancellationToken);
}

/// <summary>
/// Budgets and usage around each upstream call: before dispatch, reserve the request's maximum cost against
/// every budget that binds the caller (key, user, tenant, partner) atomically, or fail fast with
/// <c>BUDGET_EXCEEDED</c>; after it, settle the actual cost, publish soft-threshold events and buffer the
/// usage record for the database.
/// </summary>
public sealed partial class AccountingService(
    BudgetCatalog budgets,
    IBudgetLedger ledger,
    IUsageBuffer buffer,
    ScaiGridDatabase database,
    IEventBus events,
    IEnumerable<ISettledUsageListener> listeners,
    DispatchOptions dispatch,
    ScaiGridMetrics metrics,
    TimeProvider time,
    ILogger<AccountingService> logger)
{
    public const string ThresholdTopic = "budget.threshold";
    private const int DefaultMaxOutputTokens = 4096;
    private readonly ISettledUsageListener[] _listeners = listeners.ToArray();

    /// <summary>The output-token cap a reservation assumes: the request's, else the smallest backend cap, else 4096.</summary>
    public static int EffectiveMaxOutputTokens(int? requested, IReadOnlyList<RouteEntry> plan)
    {
        if (requested is { } r)
        {
            return r;
        }

        int? smallest = null;
        foreach (var route in plan)
        {
            if (route.Backend.MaxOutputTokens is { } m && (smallest is null || m < smallest))
            {
                smallest = m;
            }
        }

        return smallest ?? DefaultMaxOutputTokens;
    }

    public async Task<AccountingTicket> BeginAsync(UsageContext context, IReadOnlyList<RouteEntry> plan, long inputUpperBound, long maxOutputTokens, CancellationToken cancellationToken)
    {
        var binding = budgets.For(context.Caller);
        if (binding.Count == 0)
        {
            return new AccountingTicket(this, context, [], 0);
        }

        var now = time.GetUtcNow();
        long amount = 0;
        foreach (var route in plan)
        {
            // Failover may land on any backend of the plan: reserve for the dearest.
            amount = Math.Max(amount, Pricing.MaxCostNanoUsd(route.Backend, inputUpperBound, maxOutputTokens));
        }

        var lines = new LedgerLine[binding.Count];
        var windows = new BudgetWindow[binding.Count];
        for (var i = 0; i < binding.Count; i++)
        {
            var budget = binding[i];
            windows[i] = BudgetWindow.For(budget.Period, now);
            var threshold = budget.SoftThresholdPct is { } pct and > 0 and < 100 ? (long)((Int128)budget.LimitNanoUsd * pct / 100) : 0;
            lines[i] = new LedgerLine($"{budget.Id}:{windows[i].Key}", budget.LimitNanoUsd, threshold, windows[i].Ttl(now));
        }

        var reservationTtl = dispatch.TotalTimeout + TimeSpan.FromMinutes(1);
        for (var round = 0; round <= lines.Length; round++)
        {
            var result = await ledger.ReserveAsync(context.RequestId, lines, amount, reservationTtl, cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case ReserveStatus.Reserved:
                    return new AccountingTicket(this, context, lines, amount);
                case ReserveStatus.NeedsSeed:
                    var committed = await CommittedFromDatabaseAsync(binding[result.Line], windows[result.Line], cancellationToken).ConfigureAwait(false);
                    await ledger.SeedAsync(lines[result.Line].CounterKey, committed, lines[result.Line].Ttl, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    var budget = binding[result.Line];
                    LogBudgetExceeded(budget.ScopeType, budget.Period, context.Caller.TenantId);
                    metrics.BudgetRejected(budget.ScopeType);
                    throw new ScaiGridException(
                        ErrorCodes.BudgetExceeded,
                        $"The {budget.ScopeType.Replace('_', ' ')} {budget.Period} budget is exhausted.",
                        details: new Dictionary<string, object?> { ["scope"] = budget.ScopeType, ["period"] = budget.Period, ["limit_usd"] = Pricing.FormatUsd(budget.LimitNanoUsd) })
                    {
                        RetryAfterSeconds = windows[result.Line].SecondsUntilReset(now),
                    };
            }
        }

        throw new InvalidOperationException("budget counters could not be seeded");
    }

    internal async Task SettleAsync(AccountingTicket ticket, UsageRecordRow record)
    {
        if (ticket.Lines.Count > 0)
        {
            var crossed = await ledger.SettleAsync(ticket.Context.RequestId, ticket.Lines, record.CostNanoUsd).ConfigureAwait(false);
            foreach (var index in crossed)
            {
                await PublishThresholdAsync(ticket.Lines[index], ticket.Context).ConfigureAwait(false);
            }
        }

        await buffer.AddAsync(record).ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            await listener.OnSettledAsync(ticket.Context.Caller, record, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<long> CommittedFromDatabaseAsync(BudgetRow budget, BudgetWindow window, CancellationToken cancellationToken)
    {
        await using var db = database.Open();
        var records = db.GetTable<UsageRecordRow>().Where(r => r.CreatedAt >= window.StartMs);
        if (window.EndMs is { } end)
        {
            records = records.Where(r => r.CreatedAt < end);
        }

        records = budget.ScopeType switch
        {
            BudgetCatalog.Partner => records.Where(r => r.PartnerId == budget.ScopeId),
            BudgetCatalog.Tenant => records.Where(r => r.TenantId == budget.ScopeId),
            BudgetCatalog.User => records.Where(r => r.UserId == budget.ScopeId),
            _ => records.Where(r => r.ApiKeyId == budget.ScopeId),
        };
        return await records.SumAsync(r => (long?)r.CostNanoUsd, cancellationToken).ConfigureAwait(false) ?? 0;
    }

    private async Task PublishThresholdAsync(LedgerLine line, UsageContext context)
    {
        var (committed, _) = await ledger.ReadAsync(line.CounterKey).ConfigureAwait(false);
        var payload = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["counter"] = line.CounterKey,
            ["tenant_id"] = context.Caller.TenantId,
            ["partner_id"] = context.Caller.PartnerId,
            ["committed_usd"] = Pricing.FormatUsd(committed),
            ["threshold_usd"] = Pricing.FormatUsd(line.ThresholdNanoUsd),
            ["limit_usd"] = Pricing.FormatUsd(line.LimitNanoUsd),
        });
        await events.PublishAsync(ThresholdTopic, payload).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Budget exceeded: {Scope} {Period} of tenant {Tenant}")]
    private partial void LogBudgetExceeded(string scope, string period, string tenant);
}

/// <summary>Who asked for what: the fields every usage record of the request shares.</summary>
public sealed record UsageContext(string RequestId, CallerContext Caller, string FrontendModel, bool IsStream, long StartedAt, TimeProvider Time);

/// <summary>
/// One request's reservation. Settle it exactly once with what was consumed; disposing an unsettled
/// ticket settles it as an error with nothing consumed, so a reservation is never left behind.
/// </summary>
public sealed class AccountingTicket : IAsyncDisposable
{
    private readonly AccountingService _service;
    private int _settled;

    internal AccountingTicket(AccountingService service, UsageContext context, IReadOnlyList<LedgerLine> lines, long reserved)
    {
        _service = service;
        Context = context;
        Lines = lines;
        ReservedNanoUsd = reserved;
    }

    public UsageContext Context { get; }

    public IReadOnlyList<LedgerLine> Lines { get; }

    public long ReservedNanoUsd { get; }

    public bool HasBudgets => Lines.Count > 0;

    /// <summary>Records the request's outcome and cost; later calls do nothing.</summary>
    public Task SettleAsync(string outcome, BackendEntry? backend, Usage usage, string? errorCode, long? firstTokenAt)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 1)
        {
            return Task.CompletedTask;
        }

        var time = Context.Time;
        var now = time.GetTimestamp();
        var record = new UsageRecordRow
        {
            RequestId = Context.RequestId,
            PartnerId = Context.Caller.PartnerId,
            TenantId = Context.Caller.TenantId,
            UserId = Context.Caller.UserId,
            ApiKeyId = Context.Caller.ApiKeyId,
            FrontendModel = Context.FrontendModel,
            BackendModel = backend?.Id,
            ProviderId = backend?.Target.ProviderId,
            InputTokens = usage.InputTokens,
            OutputTokens = usage.OutputTokens,
            CachedInputTokens = usage.CachedInputTokens,
            ReasoningTokens = usage.ReasoningTokens,
            TimeToFirstTokenMs = firstTokenAt is { } first ? (int)time.GetElapsedTime(Context.StartedAt, first).TotalMilliseconds : null,
            LatencyMs = (int)time.GetElapsedTime(Context.StartedAt, now).TotalMilliseconds,
            CostNanoUsd = backend is null ? 0 : Pricing.CostNanoUsd(backend, usage),
            Outcome = outcome,
            ErrorCode = errorCode,
            IsStream = Context.IsStream,
            CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        return _service.SettleAsync(this, record);
    }

    public async ValueTask DisposeAsync() => await SettleAsync(UsageOutcomes.Error, null, Usage.Zero, ErrorCodes.InternalError.Code, null).ConfigureAwait(false);
}

public static class UsageOutcomes
{
    public const string Success = "success";
    public const string Error = "error";
    public const string ClientCancelled = "client_cancelled";
    public const string UpstreamCut = "upstream_cut";
}
