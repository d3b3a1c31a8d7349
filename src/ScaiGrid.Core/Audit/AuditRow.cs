using LinqToDB.Mapping;

namespace ScaiGrid.Core.Audit;

/// <summary>One mutating request: who did what to which object, with a redacted summary.</summary>
[Table("audit_log")]
public sealed class AuditRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("request_id"), NotNull] public string RequestId { get; set; } = string.Empty;

    /// <summary><c>user</c>, <c>api_key</c>, <c>service_token</c>, <c>cli</c>, <c>system</c>.</summary>
    [Column("actor_type"), NotNull] public string ActorType { get; set; } = string.Empty;

    [Column("actor_id"), NotNull] public string ActorId { get; set; } = string.Empty;
    [Column("partner_id"), Nullable] public string? PartnerId { get; set; }
    [Column("tenant_id"), Nullable] public string? TenantId { get; set; }
    [Column("action"), NotNull] public string Action { get; set; } = string.Empty;
    [Column("target_type"), NotNull] public string TargetType { get; set; } = string.Empty;
    [Column("target_id"), Nullable] public string? TargetId { get; set; }
    [Column("summary_json"), Nullable] public string? SummaryJson { get; set; }
    [Column("outcome"), NotNull] public string Outcome { get; set; } = string.Empty;
    [Column("created_at")] public long CreatedAt { get; set; }
}
