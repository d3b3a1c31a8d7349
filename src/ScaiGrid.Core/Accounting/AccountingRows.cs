using LinqToDB.Mapping;

namespace ScaiGrid.Core.Accounting;

/// <summary>A spending limit on a partner, tenant, user or API key for a period. Money is nano-USD.</summary>
[Table("budgets")]
public sealed class BudgetRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;

    /// <summary><c>partner</c>, <c>tenant</c>, <c>user</c> or <c>api_key</c>.</summary>
    [Column("scope_type"), NotNull] public string ScopeType { get; set; } = string.Empty;

    [Column("scope_id"), NotNull] public string ScopeId { get; set; } = string.Empty;

    /// <summary><c>daily</c>, <c>monthly</c> or <c>total</c>.</summary>
    [Column("period"), NotNull] public string Period { get; set; } = string.Empty;

    [Column("limit_nano_usd")] public long LimitNanoUsd { get; set; }

    /// <summary>Percent of the limit at which a soft-threshold event is published (e.g. 80).</summary>
    [Column("soft_threshold_pct"), Nullable] public int? SoftThresholdPct { get; set; }

    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

/// <summary>One request's usage and cost, keyed by request id so a flush can be repeated safely.</summary>
[Table("usage_records")]
public sealed class UsageRecordRow
{
    [PrimaryKey, Column("request_id")] public string RequestId { get; set; } = string.Empty;
    [Column("partner_id"), NotNull] public string PartnerId { get; set; } = string.Empty;
    [Column("tenant_id"), NotNull] public string TenantId { get; set; } = string.Empty;
    [Column("user_id"), NotNull] public string UserId { get; set; } = string.Empty;
    [Column("api_key_id"), Nullable] public string? ApiKeyId { get; set; }
    [Column("frontend_model"), NotNull] public string FrontendModel { get; set; } = string.Empty;
    [Column("backend_model"), Nullable] public string? BackendModel { get; set; }
    [Column("provider_id"), Nullable] public string? ProviderId { get; set; }
    [Column("input_tokens")] public long InputTokens { get; set; }
    [Column("output_tokens")] public long OutputTokens { get; set; }
    [Column("cached_input_tokens")] public long CachedInputTokens { get; set; }
    [Column("reasoning_tokens")] public long ReasoningTokens { get; set; }
    [Column("ttft_ms"), Nullable] public int? TimeToFirstTokenMs { get; set; }
    [Column("latency_ms")] public int LatencyMs { get; set; }
    [Column("cost_nano_usd")] public long CostNanoUsd { get; set; }

    /// <summary><c>success</c>, <c>error</c>, <c>client_cancelled</c>, <c>upstream_cut</c>.</summary>
    [Column("outcome"), NotNull] public string Outcome { get; set; } = string.Empty;

    [Column("error_code"), Nullable] public string? ErrorCode { get; set; }
    [Column("is_stream")] public bool IsStream { get; set; }
    [Column("created_at")] public long CreatedAt { get; set; }
}
