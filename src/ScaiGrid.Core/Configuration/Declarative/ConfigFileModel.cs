namespace ScaiGrid.Core.Configuration.Declarative;

// The shape of a `scaigrid apply` file, one class per YAML mapping. YAML keys are the property names in
// snake_case (ConfigYamlReader derives them with YamlDotNet's UnderscoredNamingConvention), so adding a
// property here adds a field to the file format: document it in docs/config-file.md.
// Every property is nullable: "absent" must stay distinguishable from a zero value, because the validator
// reports missing required fields and the applier fills in the documented defaults.
// Credentials (providers' api_key, api_keys' key, service_tokens' token) are strings: the reader quotes a
// value only when a number or boolean fails to parse, so no credential is ever echoed in a problem.

internal sealed class ConfigFile
{
    public List<ProviderConfig>? Providers { get; init; }
    public List<BackendModelConfig>? BackendModels { get; init; }
    public List<ModelConfig>? Models { get; init; }
    public List<PartnerConfig>? Partners { get; init; }
    public List<ServiceTokenConfig>? ServiceTokens { get; init; }
}

internal sealed class ProviderConfig
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? BaseUrl { get; init; }

    public string? ApiKey { get; init; }

    public Dictionary<string, string>? Settings { get; init; }
    public bool? Enabled { get; init; }
}

internal sealed class BackendModelConfig
{
    public string? Id { get; init; }
    public string? Provider { get; init; }
    public string? UpstreamModel { get; init; }
    public PricingConfig? Pricing { get; init; }
    public List<string>? Capabilities { get; init; }
    public int? ContextWindow { get; init; }
    public int? MaxOutputTokens { get; init; }
    public bool? Enabled { get; init; }
}

internal sealed class PricingConfig
{
    public decimal? InputPerMtok { get; init; }
    public decimal? OutputPerMtok { get; init; }
    public decimal? CachedInputPerMtok { get; init; }
}

internal sealed class ModelConfig
{
    public string? Slug { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    public bool? Enabled { get; init; }
    public string? Tenant { get; init; }
    public RoutingConfig? Routing { get; init; }
    public SystemPromptConfig? SystemPrompt { get; init; }
}

internal sealed class RoutingConfig
{
    public string? Strategy { get; init; }
    public List<RouteBackendConfig>? Backends { get; init; }
}

internal sealed class RouteBackendConfig
{
    public string? Backend { get; init; }
    public int? Priority { get; init; }
    public int? Weight { get; init; }
}

internal sealed class SystemPromptConfig
{
    public string? Mode { get; init; }
    public string? Text { get; init; }
}

internal sealed class PartnerConfig
{
    public string? Slug { get; init; }
    public string? Name { get; init; }
    public List<BudgetConfig>? Budgets { get; init; }
    public RateLimitConfig? RateLimits { get; init; }
    public List<TenantConfig>? Tenants { get; init; }
}

internal sealed class TenantConfig
{
    public string? Slug { get; init; }
    public string? Name { get; init; }
    public List<BudgetConfig>? Budgets { get; init; }
    public RateLimitConfig? RateLimits { get; init; }
    public List<UserConfig>? Users { get; init; }
}

internal sealed class UserConfig
{
    public string? Email { get; init; }
    public string? DisplayName { get; init; }
    public List<string>? Roles { get; init; }
    public List<BudgetConfig>? Budgets { get; init; }
    public RateLimitConfig? RateLimits { get; init; }
    public List<ApiKeyConfig>? ApiKeys { get; init; }
}

internal sealed class ApiKeyConfig
{
    public string? Name { get; init; }

    public string? Key { get; init; }

    public string? ExpiresAt { get; init; }
    public ScopesConfig? Scopes { get; init; }
    public List<BudgetConfig>? Budgets { get; init; }
    public RateLimitConfig? RateLimits { get; init; }
}

internal sealed class ScopesConfig
{
    public List<string>? Models { get; init; }
    public List<string>? Permissions { get; init; }
}

internal sealed class BudgetConfig
{
    public string? Period { get; init; }
    public decimal? LimitUsd { get; init; }
    public int? SoftThresholdPct { get; init; }
}

internal sealed class RateLimitConfig
{
    public int? Rpm { get; init; }
    public long? Tpm { get; init; }
}

internal sealed class ServiceTokenConfig
{
    public string? Name { get; init; }
    public List<string>? Services { get; init; }

    public string? Token { get; init; }

    public string? ExpiresAt { get; init; }
}
