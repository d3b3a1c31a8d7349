using LinqToDB.Mapping;

namespace ScaiGrid.Core.Auth;

/// <summary>An API key: only its lookup prefix and a hash are stored, never the key.</summary>
[Table("api_keys")]
public sealed class ApiKeyRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("tenant_id"), NotNull] public string TenantId { get; set; } = string.Empty;
    [Column("user_id"), NotNull] public string UserId { get; set; } = string.Empty;
    [Column("name"), NotNull] public string Name { get; set; } = string.Empty;
    [Column("lookup_prefix"), NotNull] public string LookupPrefix { get; set; } = string.Empty;
    [Column("key_hash"), NotNull] public string KeyHash { get; set; } = string.Empty;

    /// <summary>JSON: <c>{"models":[…],"permissions":[…]}</c>; null = unrestricted within the user's rights.</summary>
    [Column("scopes_json"), Nullable] public string? ScopesJson { get; set; }

    [Column("expires_at"), Nullable] public long? ExpiresAt { get; set; }
    [Column("revoked_at"), Nullable] public long? RevokedAt { get; set; }
    [Column("last_used_at"), Nullable] public long? LastUsedAt { get; set; }
    [Column("created_at")] public long CreatedAt { get; set; }
}

/// <summary>A token for internal components (ScaiInfer nodes, workers), scoped to named services.</summary>
[Table("service_tokens")]
public sealed class ServiceTokenRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("name"), NotNull] public string Name { get; set; } = string.Empty;

    /// <summary>JSON array of service names the token may call, e.g. <c>["scaiinfer"]</c>.</summary>
    [Column("services_json"), NotNull] public string ServicesJson { get; set; } = "[]";

    [Column("lookup_prefix"), NotNull] public string LookupPrefix { get; set; } = string.Empty;
    [Column("token_hash"), NotNull] public string TokenHash { get; set; } = string.Empty;
    [Column("expires_at"), Nullable] public long? ExpiresAt { get; set; }
    [Column("revoked_at"), Nullable] public long? RevokedAt { get; set; }
    [Column("created_at")] public long CreatedAt { get; set; }
}
