using LinqToDB.Mapping;

namespace ScaiGrid.Core.RateLimiting;

/// <summary>Requests and tokens per minute for one partner, tenant, user or API key.</summary>
[Table("rate_limits")]
public sealed class RateLimitRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("scope_type"), NotNull] public string ScopeType { get; set; } = string.Empty;
    [Column("scope_id"), NotNull] public string ScopeId { get; set; } = string.Empty;
    [Column("rpm"), Nullable] public int? Rpm { get; set; }
    [Column("tpm"), Nullable] public long? Tpm { get; set; }
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}
