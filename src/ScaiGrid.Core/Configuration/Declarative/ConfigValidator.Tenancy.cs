using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Auth;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>The tenancy tree: partners, tenants, users, API keys and the budgets and rate limits on each.</summary>
internal sealed partial class ConfigValidator
{
    private void ValidatePartners()
    {
        var partners = new Dictionary<string, string>(StringComparer.Ordinal);
        var tenants = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (partner, path) in Indexed(_file.Partners, "partners"))
        {
            var partnerOk = Identifier(partner.Slug, $"{path}.slug", ConfigValues.TenancySlug(), "lowercase letters, digits and '-', starting with a letter or digit, at most 100 characters")
                && Unique(partners, partner.Slug!, $"{path}.slug", "partner slug");
            Name(partner.Name, $"{path}.name");
            Budgets(partner.Budgets, $"{path}.budgets");
            RateLimits(partner.RateLimits, $"{path}.rate_limits");

            foreach (var (tenant, tenantPath) in Indexed(partner.Tenants, $"{path}.tenants"))
            {
                // Tenant slugs are unique across partners (they appear in URLs and logs without their partner).
                if (Identifier(tenant.Slug, $"{tenantPath}.slug", ConfigValues.TenancySlug(), "lowercase letters, digits and '-', starting with a letter or digit, at most 100 characters")
                    && Unique(tenants, tenant.Slug!, $"{tenantPath}.slug", "tenant slug")
                    && partnerOk
                    && _existing.Tenants.TryGetValue(tenant.Slug!, out var stored)
                    && stored.PartnerSlug != partner.Slug)
                {
                    Problem($"{tenantPath}.slug", $"tenant '{tenant.Slug}' already exists under partner '{stored.PartnerSlug}' (tenant slugs are unique across partners; apply does not move tenants)");
                }

                Name(tenant.Name, $"{tenantPath}.name");
                Budgets(tenant.Budgets, $"{tenantPath}.budgets");
                RateLimits(tenant.RateLimits, $"{tenantPath}.rate_limits");
                ValidateUsers(tenant, tenantPath);
            }
        }
    }

    private void ValidateUsers(TenantConfig tenant, string tenantPath)
    {
        var emails = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (user, path) in Indexed(tenant.Users, $"{tenantPath}.users"))
        {
            if (Required(user.Email, $"{path}.email"))
            {
                var email = ConfigValues.NormalizeEmail(user.Email!);
                if (email.Length > 254 || !ConfigValues.Email().IsMatch(email))
                {
                    Problem($"{path}.email", $"'{user.Email}' is not an email address");
                }
                else
                {
                    // Emails are matched case-insensitively: MariaDB's collation would, SQLite's would not.
                    Unique(emails, email, $"{path}.email", "email");
                }
            }

            MaxLength(user.DisplayName, $"{path}.display_name", NameLength);
            if (user.Roles is { Count: 0 })
            {
                Problem($"{path}.roles", "is empty: leave it out for the member role");
            }

            foreach (var (role, rolePath) in Indexed(user.Roles, $"{path}.roles"))
            {
                if (!Roles.IsKnown(role))
                {
                    Problem(rolePath, $"unknown role '{role}' (allowed: {string.Join(", ", Roles.All)})");
                }
            }

            Budgets(user.Budgets, $"{path}.budgets");
            RateLimits(user.RateLimits, $"{path}.rate_limits");
            ValidateApiKeys(tenant, user, path);
        }
    }

    private void ValidateApiKeys(TenantConfig tenant, UserConfig user, string userPath)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, path) in Indexed(user.ApiKeys, $"{userPath}.api_keys"))
        {
            var named = Identifier(key.Name, $"{path}.name", ConfigValues.KeyName(), "letters, digits, spaces, '.', '_' and '-', at most 100 characters")
                && Unique(names, key.Name!.ToLowerInvariant(), $"{path}.name", "key name");
            if (key.Key is not null
                && Credential(key.Key, $"{path}.key", CredentialHasher.ApiKeyPrefix)
                && named && tenant.Slug is not null && user.Email is not null)
            {
                var hash = _hasher.Hash(key.Key);
                var identity = ExistingState.CredentialIdentity(tenant.Slug, user.Email, key.Name!);
                if (_existing.ApiKeyOwners.TryGetValue(hash, out var holder) && holder != identity)
                {
                    Problem($"{path}.key", $"this key is already used by API key {holder}");
                }
                else if (!_keyPaths.TryAdd(hash, path))
                {
                    Problem($"{path}.key", $"the same key is also given at {_keyPaths[hash]}");
                }
            }

            Expiry(key.ExpiresAt, $"{path}.expires_at");
            if (key.Scopes is { } scopes)
            {
                ValidateScopes(scopes, tenant.Slug, $"{path}.scopes");
            }

            Budgets(key.Budgets, $"{path}.budgets");
            RateLimits(key.RateLimits, $"{path}.rate_limits");
        }
    }

    private void ValidateScopes(ScopesConfig scopes, string? tenantSlug, string path)
    {
        if (scopes.Models is null && scopes.Permissions is null)
        {
            Problem(path, "give models, permissions or both (leave scopes out for an unrestricted key)");
        }

        if (scopes.Models is { Count: 0 })
        {
            Problem($"{path}.models", "is empty: the key could use no model (leave models out to allow all)");
        }

        foreach (var (slug, modelPath) in Indexed(scopes.Models, $"{path}.models"))
        {
            string? owner;
            if (!_modelOwners.TryGetValue(slug, out owner) && !_existing.ModelOwners.TryGetValue(slug, out owner))
            {
                Problem(modelPath, $"unknown model '{slug}'");
            }
            else if (owner is not null && tenantSlug is not null && owner != tenantSlug)
            {
                Problem(modelPath, $"model '{slug}' belongs to tenant '{owner}'");
            }
        }

        if (scopes.Permissions is { Count: 0 })
        {
            Problem($"{path}.permissions", "is empty: the key could do nothing (leave permissions out to allow the user's)");
        }

        var coreNamespaces = Permissions.Core.Select(p => p[..p.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        foreach (var (permission, permissionPath) in Indexed(scopes.Permissions, $"{path}.permissions"))
        {
            if (!ConfigValues.Permission().IsMatch(permission))
            {
                Problem(permissionPath, $"'{permission}' is not a permission (name:action, e.g. {Permissions.ModelsUse})");
            }
            else if (coreNamespaces.Contains(permission[..permission.IndexOf(':', StringComparison.Ordinal)]) && !Permissions.Core.Contains(permission))
            {
                // A module permission may be anything, but a typo in a core one would silently grant nothing.
                Problem(permissionPath, $"unknown permission '{permission}' (core permissions: {string.Join(", ", Permissions.Core)})");
            }
        }
    }

    private void Budgets(List<BudgetConfig>? budgets, string path)
    {
        var periods = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (budget, budgetPath) in Indexed(budgets, path))
        {
            if (Required(budget.Period, $"{budgetPath}.period"))
            {
                if (!ConfigValues.Periods.Contains(budget.Period!))
                {
                    Problem($"{budgetPath}.period", $"unknown period '{budget.Period}' (allowed: {string.Join(", ", ConfigValues.Periods)})");
                }
                else
                {
                    Unique(periods, budget.Period!, $"{budgetPath}.period", "period");
                }
            }

            if (budget.LimitUsd is null)
            {
                Problem($"{budgetPath}.limit_usd", "required");
            }

            Money(budget.LimitUsd, $"{budgetPath}.limit_usd");
            if (budget.SoftThresholdPct is < 1 or > 100)
            {
                Problem($"{budgetPath}.soft_threshold_pct", "must be between 1 and 100");
            }
        }
    }

    private void RateLimits(RateLimitConfig? limits, string path)
    {
        if (limits is null)
        {
            return;
        }

        if (limits.Rpm is null && limits.Tpm is null)
        {
            Problem(path, "give rpm, tpm or both");
        }

        if (limits.Rpm <= 0)
        {
            Problem($"{path}.rpm", "must be above 0");
        }

        if (limits.Tpm <= 0)
        {
            Problem($"{path}.tpm", "must be above 0");
        }
    }
}
