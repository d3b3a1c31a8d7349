using LinqToDB.Mapping;

namespace ScaiGrid.Core.Models;

/// <summary>An upstream provider account. Credentials are AES-GCM encrypted with the server secret key.</summary>
[Table("providers")]
public sealed class ProviderRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("type"), NotNull] public string Type { get; set; } = string.Empty;
    [Column("base_url"), NotNull] public string BaseUrl { get; set; } = string.Empty;
    [Column("credentials_encrypted"), Nullable] public string? CredentialsEncrypted { get; set; }

    /// <summary>JSON object of string settings (api_version, organization, …).</summary>
    [Column("settings_json"), Nullable] public string? SettingsJson { get; set; }

    /// <summary>Null for platform-wide providers; a tenant id for a tenant's own.</summary>
    [Column("owner_tenant_id"), Nullable] public string? OwnerTenantId { get; set; }

    [Column("is_enabled")] public bool IsEnabled { get; set; } = true;
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

/// <summary>
/// One upstream model of one provider, with its price. Prices are nano-USD per million tokens
/// (integers: 2.5 USD/Mtok = 2,500,000,000) so cost arithmetic is exact.
/// </summary>
[Table("backend_models")]
public sealed class BackendModelRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("provider_id"), NotNull] public string ProviderId { get; set; } = string.Empty;
    [Column("upstream_model"), NotNull] public string UpstreamModel { get; set; } = string.Empty;

    /// <summary>JSON array, e.g. <c>["chat","stream","tools","vision","embeddings"]</c>.</summary>
    [Column("capabilities_json"), NotNull] public string CapabilitiesJson { get; set; } = "[]";

    [Column("input_nano_usd_per_mtok")] public long InputNanoUsdPerMtok { get; set; }
    [Column("output_nano_usd_per_mtok")] public long OutputNanoUsdPerMtok { get; set; }
    [Column("cached_input_nano_usd_per_mtok")] public long CachedInputNanoUsdPerMtok { get; set; }
    [Column("context_window"), Nullable] public int? ContextWindow { get; set; }
    [Column("max_output_tokens"), Nullable] public int? MaxOutputTokens { get; set; }
    [Column("is_enabled")] public bool IsEnabled { get; set; } = true;
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

/// <summary>The address applications use; a routing policy maps it to backends.</summary>
[Table("frontend_models")]
public sealed class FrontendModelRow
{
    [PrimaryKey, Column("id")] public string Id { get; set; } = string.Empty;
    [Column("slug"), NotNull] public string Slug { get; set; } = string.Empty;
    [Column("display_name"), Nullable] public string? DisplayName { get; set; }
    [Column("description"), Nullable] public string? Description { get; set; }

    /// <summary><c>priority</c> or <c>weighted</c>.</summary>
    [Column("routing_strategy"), NotNull] public string RoutingStrategy { get; set; } = "priority";

    /// <summary><c>prefix</c>, <c>suffix</c>, <c>replace</c>, <c>template</c>, or null for none.</summary>
    [Column("system_prompt_mode"), Nullable] public string? SystemPromptMode { get; set; }

    [Column("system_prompt_text"), Nullable] public string? SystemPromptText { get; set; }

    /// <summary>Null: every tenant may use it; else only this tenant.</summary>
    [Column("owner_tenant_id"), Nullable] public string? OwnerTenantId { get; set; }

    [Column("is_enabled")] public bool IsEnabled { get; set; } = true;
    [Column("created_at")] public long CreatedAt { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}

[Table("frontend_model_backends")]
public sealed class FrontendModelBackendRow
{
    [PrimaryKey(0), Column("frontend_model_id")] public string FrontendModelId { get; set; } = string.Empty;
    [PrimaryKey(1), Column("backend_model_id")] public string BackendModelId { get; set; } = string.Empty;

    /// <summary>Lower is tried first; backends with the same priority form a tier.</summary>
    [Column("priority")] public int Priority { get; set; } = 1;

    /// <summary>Relative share inside a tier (weighted strategy).</summary>
    [Column("weight")] public int Weight { get; set; } = 100;
}
