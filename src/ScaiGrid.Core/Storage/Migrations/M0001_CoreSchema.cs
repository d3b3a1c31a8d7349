using FluentMigrator;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Storage.Migrations;

/// <summary>
/// The core schema. Conventions: string ids (<see cref="Ids"/>), timestamps as BIGINT Unix ms,
/// money as BIGINT nano-USD, JSON in text columns — the same on SQLite, MariaDB and PostgreSQL.
/// </summary>
[Migration(2026112301, "core schema: tenancy, credentials, models, accounting, audit, modules")]
public sealed class M0001_CoreSchema : Migration
{
    private const int IdLength = 64;
    private const int SlugLength = 100;

    public override void Up()
    {
        Create.Table("partners")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("slug").AsString(SlugLength).NotNullable().Unique("ux_partners_slug")
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("is_active").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();

        Create.Table("tenants")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("partner_id").AsString(IdLength).NotNullable().ForeignKey("fk_tenants_partner", "partners", "id")
            .WithColumn("slug").AsString(SlugLength).NotNullable().Unique("ux_tenants_slug")
            .WithColumn("name").AsString(200).NotNullable()
            .WithColumn("is_active").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();
        Create.Index("ix_tenants_partner").OnTable("tenants").OnColumn("partner_id");

        Create.Table("users")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("tenant_id").AsString(IdLength).NotNullable().ForeignKey("fk_users_tenant", "tenants", "id")
            .WithColumn("email").AsString(254).NotNullable()
            .WithColumn("display_name").AsString(200).Nullable()
            .WithColumn("external_subject").AsString(255).Nullable()
            .WithColumn("is_active").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();
        Create.Index("ux_users_tenant_email").OnTable("users").OnColumn("tenant_id").Ascending().OnColumn("email").Ascending().WithOptions().Unique();
        Create.Index("ix_users_external_subject").OnTable("users").OnColumn("external_subject");

        Create.Table("user_roles")
            .WithColumn("user_id").AsString(IdLength).NotNullable().PrimaryKey().ForeignKey("fk_user_roles_user", "users", "id")
            .WithColumn("role").AsString(50).NotNullable().PrimaryKey()
            .WithColumn("created_at").AsInt64().NotNullable();

        Create.Table("api_keys")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("tenant_id").AsString(IdLength).NotNullable().ForeignKey("fk_api_keys_tenant", "tenants", "id")
            .WithColumn("user_id").AsString(IdLength).NotNullable().ForeignKey("fk_api_keys_user", "users", "id")
            .WithColumn("name").AsString(100).NotNullable()
            .WithColumn("lookup_prefix").AsString(32).NotNullable().Indexed("ix_api_keys_lookup_prefix")
            .WithColumn("key_hash").AsString(128).NotNullable().Unique("ux_api_keys_key_hash")
            .WithColumn("scopes_json").AsString(int.MaxValue).Nullable()
            .WithColumn("expires_at").AsInt64().Nullable()
            .WithColumn("revoked_at").AsInt64().Nullable()
            .WithColumn("last_used_at").AsInt64().Nullable()
            .WithColumn("created_at").AsInt64().NotNullable();
        Create.Index("ux_api_keys_user_name").OnTable("api_keys").OnColumn("user_id").Ascending().OnColumn("name").Ascending().WithOptions().Unique();
        Create.Index("ix_api_keys_tenant").OnTable("api_keys").OnColumn("tenant_id");

        Create.Table("service_tokens")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("name").AsString(100).NotNullable().Unique("ux_service_tokens_name")
            .WithColumn("services_json").AsString(int.MaxValue).NotNullable()
            .WithColumn("lookup_prefix").AsString(32).NotNullable().Indexed("ix_service_tokens_lookup_prefix")
            .WithColumn("token_hash").AsString(128).NotNullable().Unique("ux_service_tokens_token_hash")
            .WithColumn("expires_at").AsInt64().Nullable()
            .WithColumn("revoked_at").AsInt64().Nullable()
            .WithColumn("created_at").AsInt64().NotNullable();

        Create.Table("providers")
            .WithColumn("id").AsString(SlugLength).PrimaryKey()
            .WithColumn("type").AsString(50).NotNullable()
            .WithColumn("base_url").AsString(1000).NotNullable()
            .WithColumn("credentials_encrypted").AsString(int.MaxValue).Nullable()
            .WithColumn("settings_json").AsString(int.MaxValue).Nullable()
            .WithColumn("owner_tenant_id").AsString(IdLength).Nullable()
            .WithColumn("is_enabled").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();

        Create.Table("backend_models")
            .WithColumn("id").AsString(SlugLength).PrimaryKey()
            .WithColumn("provider_id").AsString(SlugLength).NotNullable().ForeignKey("fk_backend_models_provider", "providers", "id")
            .WithColumn("upstream_model").AsString(200).NotNullable()
            .WithColumn("capabilities_json").AsString(int.MaxValue).NotNullable()
            .WithColumn("input_nano_usd_per_mtok").AsInt64().NotNullable()
            .WithColumn("output_nano_usd_per_mtok").AsInt64().NotNullable()
            .WithColumn("cached_input_nano_usd_per_mtok").AsInt64().NotNullable()
            .WithColumn("context_window").AsInt32().Nullable()
            .WithColumn("max_output_tokens").AsInt32().Nullable()
            .WithColumn("is_enabled").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();

        Create.Table("frontend_models")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("slug").AsString(200).NotNullable().Unique("ux_frontend_models_slug")
            .WithColumn("display_name").AsString(200).Nullable()
            .WithColumn("description").AsString(int.MaxValue).Nullable()
            .WithColumn("routing_strategy").AsString(20).NotNullable()
            .WithColumn("system_prompt_mode").AsString(20).Nullable()
            .WithColumn("system_prompt_text").AsString(int.MaxValue).Nullable()
            .WithColumn("owner_tenant_id").AsString(IdLength).Nullable()
            .WithColumn("is_enabled").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();

        Create.Table("frontend_model_backends")
            .WithColumn("frontend_model_id").AsString(IdLength).NotNullable().PrimaryKey().ForeignKey("fk_fmb_frontend", "frontend_models", "id")
            .WithColumn("backend_model_id").AsString(SlugLength).NotNullable().PrimaryKey().ForeignKey("fk_fmb_backend", "backend_models", "id")
            .WithColumn("priority").AsInt32().NotNullable()
            .WithColumn("weight").AsInt32().NotNullable();

        Create.Table("budgets")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("scope_type").AsString(20).NotNullable()
            .WithColumn("scope_id").AsString(IdLength).NotNullable()
            .WithColumn("period").AsString(20).NotNullable()
            .WithColumn("limit_nano_usd").AsInt64().NotNullable()
            .WithColumn("soft_threshold_pct").AsInt32().Nullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();
        Create.Index("ux_budgets_scope_period").OnTable("budgets")
            .OnColumn("scope_type").Ascending().OnColumn("scope_id").Ascending().OnColumn("period").Ascending().WithOptions().Unique();

        Create.Table("rate_limits")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("scope_type").AsString(20).NotNullable()
            .WithColumn("scope_id").AsString(IdLength).NotNullable()
            .WithColumn("rpm").AsInt32().Nullable()
            .WithColumn("tpm").AsInt64().Nullable()
            .WithColumn("created_at").AsInt64().NotNullable()
            .WithColumn("updated_at").AsInt64().NotNullable();
        Create.Index("ux_rate_limits_scope").OnTable("rate_limits")
            .OnColumn("scope_type").Ascending().OnColumn("scope_id").Ascending().WithOptions().Unique();

        Create.Table("usage_records")
            .WithColumn("request_id").AsString(128).PrimaryKey()
            .WithColumn("partner_id").AsString(IdLength).NotNullable()
            .WithColumn("tenant_id").AsString(IdLength).NotNullable()
            .WithColumn("user_id").AsString(IdLength).NotNullable()
            .WithColumn("api_key_id").AsString(IdLength).Nullable()
            .WithColumn("frontend_model").AsString(200).NotNullable()
            .WithColumn("backend_model").AsString(SlugLength).Nullable()
            .WithColumn("provider_id").AsString(SlugLength).Nullable()
            .WithColumn("input_tokens").AsInt64().NotNullable()
            .WithColumn("output_tokens").AsInt64().NotNullable()
            .WithColumn("cached_input_tokens").AsInt64().NotNullable()
            .WithColumn("reasoning_tokens").AsInt64().NotNullable()
            .WithColumn("ttft_ms").AsInt32().Nullable()
            .WithColumn("latency_ms").AsInt32().NotNullable()
            .WithColumn("cost_nano_usd").AsInt64().NotNullable()
            .WithColumn("outcome").AsString(30).NotNullable()
            .WithColumn("error_code").AsString(50).Nullable()
            .WithColumn("is_stream").AsBoolean().NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable();
        Create.Index("ix_usage_tenant_time").OnTable("usage_records").OnColumn("tenant_id").Ascending().OnColumn("created_at").Ascending();
        Create.Index("ix_usage_partner_time").OnTable("usage_records").OnColumn("partner_id").Ascending().OnColumn("created_at").Ascending();

        Create.Table("audit_log")
            .WithColumn("id").AsString(IdLength).PrimaryKey()
            .WithColumn("request_id").AsString(128).NotNullable()
            .WithColumn("actor_type").AsString(20).NotNullable()
            .WithColumn("actor_id").AsString(IdLength).NotNullable()
            .WithColumn("partner_id").AsString(IdLength).Nullable()
            .WithColumn("tenant_id").AsString(IdLength).Nullable()
            .WithColumn("action").AsString(100).NotNullable()
            .WithColumn("target_type").AsString(50).NotNullable()
            .WithColumn("target_id").AsString(200).Nullable()
            .WithColumn("summary_json").AsString(int.MaxValue).Nullable()
            .WithColumn("outcome").AsString(20).NotNullable()
            .WithColumn("created_at").AsInt64().NotNullable();
        Create.Index("ix_audit_tenant_time").OnTable("audit_log").OnColumn("tenant_id").Ascending().OnColumn("created_at").Ascending();
        Create.Index("ix_audit_request").OnTable("audit_log").OnColumn("request_id");

        Create.Table("module_state")
            .WithColumn("module_id").AsString(SlugLength).PrimaryKey()
            .WithColumn("is_enabled").AsBoolean().NotNullable()
            .WithColumn("version").AsString(50).NotNullable()
            .WithColumn("state_json").AsString(int.MaxValue).Nullable()
            .WithColumn("updated_at").AsInt64().NotNullable();

        // A fresh install is one partner and one tenant: the collapsed hierarchy (seeds: "Multi-tenancy is not optional").
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Insert.IntoTable("partners").Row(new { id = DefaultTenancy.PartnerId, slug = DefaultTenancy.PartnerSlug, name = "Default partner", is_active = true, created_at = now, updated_at = now });
        Insert.IntoTable("tenants").Row(new { id = DefaultTenancy.TenantId, partner_id = DefaultTenancy.PartnerId, slug = DefaultTenancy.TenantSlug, name = "Default tenant", is_active = true, created_at = now, updated_at = now });
    }

    public override void Down()
    {
        foreach (var table in new[]
                 {
                     "module_state", "audit_log", "usage_records", "rate_limits", "budgets", "frontend_model_backends",
                     "frontend_models", "backend_models", "providers", "service_tokens", "api_keys", "user_roles", "users",
                     "tenants", "partners",
                 })
        {
            Delete.Table(table);
        }
    }
}
