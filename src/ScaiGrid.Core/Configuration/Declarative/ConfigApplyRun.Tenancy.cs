using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>The tenancy tree: partners → tenants → users → API keys, each with its budgets and rate limits.</summary>
internal sealed partial class ConfigApplyRun
{
    private async Task ApplyPartnerAsync(PartnerConfig config, CancellationToken cancellationToken)
    {
        var slug = config.Slug!;
        var label = $"partner {slug}";
        var row = await db.GetTable<PartnerRow>().FirstOrDefaultAsync(p => p.Slug == slug, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new PartnerRow { Id = Ids.New("ptn"), Slug = slug, Name = config.Name ?? slug, IsActive = true, CreatedAt = _now, UpdatedAt = _now };
            await db.InsertAsync(row, token: cancellationToken).ConfigureAwait(false);
            Created(label);
        }
        else
        {
            var changed = new List<string>();
            SetName(row.Name, config.Name, v => row.Name = v, changed);
            await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
        }

        await ApplyLimitsAsync("partner", row.Id, label, config.Budgets, config.RateLimits, cancellationToken).ConfigureAwait(false);
        foreach (var tenant in config.Tenants ?? [])
        {
            await ApplyTenantAsync(row.Id, tenant, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyTenantAsync(string partnerId, TenantConfig config, CancellationToken cancellationToken)
    {
        var slug = config.Slug!;
        var label = $"tenant {slug}";

        // The validator made sure a stored tenant with this slug belongs to this partner.
        var row = await db.GetTable<TenantRow>().FirstOrDefaultAsync(t => t.Slug == slug, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new TenantRow { Id = Ids.New("ten"), PartnerId = partnerId, Slug = slug, Name = config.Name ?? slug, IsActive = true, CreatedAt = _now, UpdatedAt = _now };
            await db.InsertAsync(row, token: cancellationToken).ConfigureAwait(false);
            Created(label);
        }
        else
        {
            var changed = new List<string>();
            SetName(row.Name, config.Name, v => row.Name = v, changed);
            await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
        }

        _tenantIds[slug] = row.Id;
        await ApplyLimitsAsync("tenant", row.Id, label, config.Budgets, config.RateLimits, cancellationToken).ConfigureAwait(false);
        foreach (var user in config.Users ?? [])
        {
            await ApplyUserAsync(row.Id, slug, user, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyUserAsync(string tenantId, string tenantSlug, UserConfig config, CancellationToken cancellationToken)
    {
        var email = ConfigValues.NormalizeEmail(config.Email!);
        var label = $"user {tenantSlug}/{email}";
        var roles = (config.Roles ?? [Roles.Member]).Distinct(StringComparer.Ordinal).ToList();

        // LOWER() on both engines: MariaDB's collation ignores case, SQLite's does not; a row another path
        // stored as Dev@Acme.test must still be found, not duplicated.
        var row = await db.GetTable<UserRow>()
            .FirstOrDefaultAsync(u => u.TenantId == tenantId && u.Email.ToLower() == email, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new UserRow { Id = Ids.New("usr"), TenantId = tenantId, Email = email, DisplayName = config.DisplayName, IsActive = true, CreatedAt = _now, UpdatedAt = _now };
            await db.InsertAsync(row, token: cancellationToken).ConfigureAwait(false);
            await GrantRolesAsync(row.Id, roles, cancellationToken).ConfigureAwait(false);
            Created(label);
        }
        else
        {
            var changed = new List<string>();
            Set(row.DisplayName, config.DisplayName, v => row.DisplayName = v, "display_name", changed);
            if (await GrantRolesAsync(row.Id, roles, cancellationToken).ConfigureAwait(false))
            {
                changed.Add("roles");
            }

            await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
        }

        await ApplyLimitsAsync("user", row.Id, label, config.Budgets, config.RateLimits, cancellationToken).ConfigureAwait(false);
        if (config.ApiKeys is not { Count: > 0 } keys)
        {
            return;
        }

        var stored = await db.GetTable<ApiKeyRow>().Where(k => k.UserId == row.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var key in keys)
        {
            await ApplyApiKeyAsync(tenantId, row.Id, $"{tenantSlug}/{email}", email, key, stored, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Grants the listed roles the user lacks. Roles the file does not list are kept: apply never deletes,
    /// and a role granted through the admin API is not the file's to take away. True when one was added.
    /// </summary>
    private async Task<bool> GrantRolesAsync(string userId, List<string> roles, CancellationToken cancellationToken)
    {
        var current = await db.GetTable<UserRoleRow>().Where(r => r.UserId == userId).Select(r => r.Role).ToListAsync(cancellationToken).ConfigureAwait(false);
        var added = false;
        foreach (var role in roles.Where(r => !current.Contains(r)))
        {
            await db.InsertAsync(new UserRoleRow { UserId = userId, Role = role, CreatedAt = _now }, token: cancellationToken).ConfigureAwait(false);
            added = true;
        }

        return added;
    }

    private async Task ApplyApiKeyAsync(
        string tenantId, string userId, string userLabel, string email, ApiKeyConfig config, List<ApiKeyRow> stored, CancellationToken cancellationToken)
    {
        var name = config.Name!;
        var label = $"api_key {userLabel}/{name}";
        var scopes = ConfigValues.ScopesJson(config.Scopes);
        var expires = ConfigValues.ExpiryOrNull(config.ExpiresAt);

        // Names match case-insensitively, as MariaDB's unique index on (user_id, name) does.
        var row = stored.Find(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase));
        if (row is null)
        {
            // A key is generated only here, when its row is created; an existing row without `key:` keeps its key.
            var key = config.Key ?? CredentialHasher.Generate(CredentialHasher.ApiKeyPrefix);
            row = new ApiKeyRow
            {
                Id = Ids.New("key"),
                TenantId = tenantId,
                UserId = userId,
                Name = name,
                LookupPrefix = CredentialHasher.LookupPrefix(key),
                KeyHash = hasher.Hash(key),
                ScopesJson = scopes,
                ExpiresAt = expires,
                CreatedAt = _now,
            };
            await db.InsertAsync(row, token: cancellationToken).ConfigureAwait(false);
            CreatedCredential(label, config.Key is null, "api_key", email, name, key);
        }
        else
        {
            var changed = new List<string>();
            if (config.Key is { } given && !hasher.Verify(given, row.KeyHash))
            {
                (row.KeyHash, row.LookupPrefix) = (hasher.Hash(given), CredentialHasher.LookupPrefix(given));
                changed.Add("key");
            }

            if (!ConfigValues.SameJson(row.ScopesJson, scopes))
            {
                row.ScopesJson = scopes;
                changed.Add("scopes");
            }

            Set(row.ExpiresAt, expires, v => row.ExpiresAt = v, "expires_at", changed);
            if (changed.Count == 0)
            {
                _unchanged++;
            }
            else
            {
                // Only the columns the file owns: the request path writes last_used_at concurrently, and
                // revoked_at belongs to the admin API (apply does not un-revoke a key).
                await db.GetTable<ApiKeyRow>()
                    .Where(k => k.Id == row.Id)
                    .Set(k => k.KeyHash, row.KeyHash)
                    .Set(k => k.LookupPrefix, row.LookupPrefix)
                    .Set(k => k.ScopesJson, row.ScopesJson)
                    .Set(k => k.ExpiresAt, row.ExpiresAt)
                    .UpdateAsync(cancellationToken).ConfigureAwait(false);
                _updated++;
                _changes.Add($"updated {label} ({string.Join(", ", changed)})");
            }
        }

        await ApplyLimitsAsync("api_key", row.Id, label, config.Budgets, config.RateLimits, cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyLimitsAsync(
        string scopeType, string scopeId, string scopeLabel, List<BudgetConfig>? budgets, RateLimitConfig? limits, CancellationToken cancellationToken)
    {
        foreach (var budget in budgets ?? [])
        {
            await ApplyBudgetAsync(scopeType, scopeId, scopeLabel, budget, cancellationToken).ConfigureAwait(false);
        }

        if (limits is not null)
        {
            await ApplyRateLimitAsync(scopeType, scopeId, scopeLabel, limits, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyBudgetAsync(string scopeType, string scopeId, string scopeLabel, BudgetConfig config, CancellationToken cancellationToken)
    {
        var period = config.Period!;
        var label = $"budget {scopeLabel} {period}";
        var limit = ConfigValues.ToNanoUsd(config.LimitUsd!.Value);
        var soft = config.SoftThresholdPct ?? ConfigValues.DefaultSoftThresholdPct;
        var row = await db.GetTable<BudgetRow>()
            .FirstOrDefaultAsync(b => b.ScopeType == scopeType && b.ScopeId == scopeId && b.Period == period, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            await db.InsertAsync(
                new BudgetRow
                {
                    Id = Ids.New("bgt"),
                    ScopeType = scopeType,
                    ScopeId = scopeId,
                    Period = period,
                    LimitNanoUsd = limit,
                    SoftThresholdPct = soft,
                    CreatedAt = _now,
                    UpdatedAt = _now,
                },
                token: cancellationToken).ConfigureAwait(false);
            Created(label);
            return;
        }

        var changed = new List<string>();
        Set(row.LimitNanoUsd, limit, v => row.LimitNanoUsd = v, "limit_usd", changed);
        Set(row.SoftThresholdPct, soft, v => row.SoftThresholdPct = v, "soft_threshold_pct", changed);
        await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyRateLimitAsync(string scopeType, string scopeId, string scopeLabel, RateLimitConfig config, CancellationToken cancellationToken)
    {
        var label = $"rate_limit {scopeLabel}";
        var row = await db.GetTable<RateLimitRow>()
            .FirstOrDefaultAsync(r => r.ScopeType == scopeType && r.ScopeId == scopeId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            await db.InsertAsync(
                new RateLimitRow
                {
                    Id = Ids.New("rlm"),
                    ScopeType = scopeType,
                    ScopeId = scopeId,
                    Rpm = config.Rpm,
                    Tpm = config.Tpm,
                    CreatedAt = _now,
                    UpdatedAt = _now,
                },
                token: cancellationToken).ConfigureAwait(false);
            Created(label);
            return;
        }

        var changed = new List<string>();
        Set(row.Rpm, config.Rpm, v => row.Rpm = v, "rpm", changed);
        Set(row.Tpm, config.Tpm, v => row.Tpm = v, "tpm", changed);
        await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A name the file leaves out keeps the stored one: the seeded "Default partner"/"Default tenant"
    /// would otherwise be renamed to their slug by a file that only lists <c>slug: default</c>.
    /// </summary>
    private static void SetName(string current, string? desired, Action<string> set, List<string> changed)
    {
        if (desired is not null)
        {
            Set(current, desired, set, "name", changed);
        }
    }
}
