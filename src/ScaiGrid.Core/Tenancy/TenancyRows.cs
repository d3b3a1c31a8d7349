using LinqToDB.Mapping;

namespace ScaiGrid.Core.Tenancy;

[Table("partners")]
public sealed class PartnerRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("slug"), NotNull] public string Slug { get; set; } = string.Empty;
    [Column("name"), NotNull] public string Name { get; set; } = string.Empty;
    [Column("is_active")] public bool IsActive { get; set; } = true;
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

[Table("tenants")]
public sealed class TenantRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("partner_id"), NotNull] public string PartnerId { get; set; } = string.Empty;
    [Column("slug"), NotNull] public string Slug { get; set; } = string.Empty;
    [Column("name"), NotNull] public string Name { get; set; } = string.Empty;
    [Column("is_active")] public bool IsActive { get; set; } = true;
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

[Table("users")]
public sealed class UserRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("tenant_id"), NotNull] public string TenantId { get; set; } = string.Empty;
    [Column("email"), NotNull] public string Email { get; set; } = string.Empty;
    [Column("display_name"), Nullable] public string? DisplayName { get; set; }

    /// <summary>The identity provider's subject (<c>iss|sub</c>) once a JWT was seen for this user.</summary>
    [Column("external_subject"), Nullable] public string? ExternalSubject { get; set; }

    [Column("is_active")] public bool IsActive { get; set; } = true;
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

[Table("user_roles")]
public sealed class UserRoleRow
{
    [PrimaryKey(0), Column("user_id")] public string UserId { get; set; } = string.Empty;
    [PrimaryKey(1), Column("role")] public string Role { get; set; } = string.Empty;
    [Column("created_at")] public long CreatedAt { get; set; }
}

/// <summary>The rows a fresh install has: the collapsed hierarchy of a single-tenant deployment.</summary>
public static class DefaultTenancy
{
    public const string PartnerId = "ptn_default";
    public const string PartnerSlug = "default";
    public const string TenantId = "ten_default";
    public const string TenantSlug = "default";
}
