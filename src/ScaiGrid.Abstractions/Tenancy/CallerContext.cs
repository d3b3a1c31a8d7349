namespace ScaiGrid.Abstractions.Tenancy;

/// <summary>
/// Who is calling: the resolved user in its tenant and partner, how it authenticated, and what it may do.
/// Every request runs as one; tenancy is never optional.
/// </summary>
public sealed class CallerContext
{
    public required string PartnerId { get; init; }

    public required string TenantId { get; init; }

    public required string UserId { get; init; }

    /// <summary>The API key id when the caller used a key; null for JWT, service tokens and dev mode.</summary>
    public string? ApiKeyId { get; init; }

    public required CallerKind Kind { get; init; }

    public required IReadOnlySet<string> Roles { get; init; }

    public required IReadOnlySet<string> Permissions { get; init; }

    /// <summary>When the key is scoped to some frontend models only; null means all the tenant may use.</summary>
    public IReadOnlySet<string>? AllowedModels { get; init; }

    public bool HasPermission(string permission) => Permissions.Contains(permission);
}

public enum CallerKind
{
    ApiKey,
    Jwt,
    ServiceToken,
    DevAdmin,
}
