using System.Security.Cryptography;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// One apply of a validated file inside an open transaction. Each object is matched by its natural key
/// (docs/config-file.md), inserted when missing, and updated only when a value differs — so a repeated
/// apply writes nothing and keeps every <c>updated_at</c>. This file holds the model catalogue and service
/// tokens; ConfigApplyRun.Tenancy.cs holds partners, tenants, users, keys, budgets and rate limits.
/// </summary>
internal sealed partial class ConfigApplyRun(
    DataConnection db,
    SecretProtector protector,
    CredentialHasher hasher,
    ExistingState existing,
    bool dryRun)
{
    private readonly long _now = UnixMs.Now();
    private readonly List<string> _changes = [];
    private readonly List<GeneratedCredential> _generated = [];

    // Tenants by slug, including the ones this run creates: models name their owner by slug.
    private readonly Dictionary<string, string> _tenantIds =
        existing.Tenants.ToDictionary(t => t.Key, t => t.Value.Id, StringComparer.Ordinal);

    private int _created;
    private int _updated;
    private int _unchanged;

    public async Task RunAsync(ConfigFile file, CancellationToken cancellationToken)
    {
        // Order follows the references: backends need providers, models need backends and tenants.
        foreach (var provider in file.Providers ?? [])
        {
            await ApplyProviderAsync(provider, cancellationToken).ConfigureAwait(false);
        }

        foreach (var backend in file.BackendModels ?? [])
        {
            await ApplyBackendModelAsync(backend, cancellationToken).ConfigureAwait(false);
        }

        foreach (var partner in file.Partners ?? [])
        {
            await ApplyPartnerAsync(partner, cancellationToken).ConfigureAwait(false);
        }

        foreach (var model in file.Models ?? [])
        {
            await ApplyModelAsync(model, cancellationToken).ConfigureAwait(false);
        }

        foreach (var token in file.ServiceTokens ?? [])
        {
            await ApplyServiceTokenAsync(token, cancellationToken).ConfigureAwait(false);
        }
    }

    public ApplyResult Result() => new(_created, _updated, _unchanged, _changes, _generated);

    private async Task ApplyProviderAsync(ProviderConfig config, CancellationToken cancellationToken)
    {
        var id = config.Id!;
        var type = config.Type!;
        var baseUrl = ConfigValues.BaseUrl(type, config.BaseUrl);
        var settings = ConfigValues.SettingsJson(config.Settings);
        var enabled = config.Enabled ?? true;
        var label = $"provider {id}";

        var row = await db.GetTable<ProviderRow>().FirstOrDefaultAsync(p => p.Id == id, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            await db.InsertAsync(
                new ProviderRow
                {
                    Id = id,
                    Type = type,
                    BaseUrl = baseUrl,
                    CredentialsEncrypted = Encrypt(config.ApiKey, id),
                    SettingsJson = settings,
                    IsEnabled = enabled,
                    CreatedAt = _now,
                    UpdatedAt = _now,
                },
                token: cancellationToken).ConfigureAwait(false);
            Created(label);
            return;
        }

        var changed = new List<string>();
        Set(row.Type, type, v => row.Type = v, "type", changed);
        Set(row.BaseUrl, baseUrl, v => row.BaseUrl = v, "base_url", changed);
        if (!ConfigValues.SameJson(row.SettingsJson, settings))
        {
            row.SettingsJson = settings;
            changed.Add("settings");
        }

        Set(row.IsEnabled, enabled, v => row.IsEnabled = v, "enabled", changed);

        // The stored ciphertext differs on every encryption (random nonce): compare the plaintexts.
        if (!SameSecret(row.CredentialsEncrypted, config.ApiKey, id))
        {
            row.CredentialsEncrypted = Encrypt(config.ApiKey, id);
            changed.Add("api_key");
        }

        await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyBackendModelAsync(BackendModelConfig config, CancellationToken cancellationToken)
    {
        var id = config.Id!;
        var label = $"backend_model {id}";
        var capabilities = ConfigValues.CapabilitiesJson(config.Capabilities);
        var input = ConfigValues.ToNanoUsd(config.Pricing?.InputPerMtok ?? 0);
        var output = ConfigValues.ToNanoUsd(config.Pricing?.OutputPerMtok ?? 0);

        // Without a declared cache discount, cached input costs what input costs: never undercharge.
        var cached = ConfigValues.ToNanoUsd(config.Pricing?.CachedInputPerMtok ?? config.Pricing?.InputPerMtok ?? 0);
        var enabled = config.Enabled ?? true;

        var row = await db.GetTable<BackendModelRow>().FirstOrDefaultAsync(b => b.Id == id, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            await db.InsertAsync(
                new BackendModelRow
                {
                    Id = id,
                    ProviderId = config.Provider!,
                    UpstreamModel = config.UpstreamModel!,
                    CapabilitiesJson = capabilities,
                    InputNanoUsdPerMtok = input,
                    OutputNanoUsdPerMtok = output,
                    CachedInputNanoUsdPerMtok = cached,
                    ContextWindow = config.ContextWindow,
                    MaxOutputTokens = config.MaxOutputTokens,
                    IsEnabled = enabled,
                    CreatedAt = _now,
                    UpdatedAt = _now,
                },
                token: cancellationToken).ConfigureAwait(false);
            Created(label);
            return;
        }

        var changed = new List<string>();
        Set(row.ProviderId, config.Provider!, v => row.ProviderId = v, "provider", changed);
        Set(row.UpstreamModel, config.UpstreamModel!, v => row.UpstreamModel = v, "upstream_model", changed);
        if (!ConfigValues.SameJson(row.CapabilitiesJson, capabilities))
        {
            row.CapabilitiesJson = capabilities;
            changed.Add("capabilities");
        }

        if (row.InputNanoUsdPerMtok != input || row.OutputNanoUsdPerMtok != output || row.CachedInputNanoUsdPerMtok != cached)
        {
            (row.InputNanoUsdPerMtok, row.OutputNanoUsdPerMtok, row.CachedInputNanoUsdPerMtok) = (input, output, cached);
            changed.Add("pricing");
        }

        Set(row.ContextWindow, config.ContextWindow, v => row.ContextWindow = v, "context_window", changed);
        Set(row.MaxOutputTokens, config.MaxOutputTokens, v => row.MaxOutputTokens = v, "max_output_tokens", changed);
        Set(row.IsEnabled, enabled, v => row.IsEnabled = v, "enabled", changed);
        await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyModelAsync(ModelConfig config, CancellationToken cancellationToken)
    {
        var slug = config.Slug!;
        var label = $"model {slug}";
        var strategy = config.Routing!.Strategy ?? ConfigValues.PriorityStrategy;
        var owner = config.Tenant is null ? null : _tenantIds[config.Tenant];
        var enabled = config.Enabled ?? true;
        var routes = config.Routing.Backends!
            .Select(b => new FrontendModelBackendRow
            {
                BackendModelId = b.Backend!,
                Priority = b.Priority ?? ConfigValues.DefaultPriority,
                Weight = b.Weight ?? ConfigValues.DefaultWeight,
            })
            .ToList();

        var row = await db.GetTable<FrontendModelRow>().FirstOrDefaultAsync(m => m.Slug == slug, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new FrontendModelRow
            {
                Id = Ids.New("fmd"),
                Slug = slug,
                DisplayName = config.DisplayName,
                Description = config.Description,
                RoutingStrategy = strategy,
                SystemPromptMode = config.SystemPrompt?.Mode,
                SystemPromptText = config.SystemPrompt?.Text,
                OwnerTenantId = owner,
                IsEnabled = enabled,
                CreatedAt = _now,
                UpdatedAt = _now,
            };
            await db.InsertAsync(row, token: cancellationToken).ConfigureAwait(false);
            await ReplaceBackendsAsync(row.Id, routes, cancellationToken).ConfigureAwait(false);
            Created(label);
            return;
        }

        var changed = new List<string>();
        Set(row.DisplayName, config.DisplayName, v => row.DisplayName = v, "display_name", changed);
        Set(row.Description, config.Description, v => row.Description = v, "description", changed);
        Set(row.RoutingStrategy, strategy, v => row.RoutingStrategy = v, "routing.strategy", changed);
        if (row.SystemPromptMode != config.SystemPrompt?.Mode || row.SystemPromptText != config.SystemPrompt?.Text)
        {
            (row.SystemPromptMode, row.SystemPromptText) = (config.SystemPrompt?.Mode, config.SystemPrompt?.Text);
            changed.Add("system_prompt");
        }

        Set(row.OwnerTenantId, owner, v => row.OwnerTenantId = v, "tenant", changed);
        Set(row.IsEnabled, enabled, v => row.IsEnabled = v, "enabled", changed);
        if (await ReplaceBackendsAsync(row.Id, routes, cancellationToken).ConfigureAwait(false))
        {
            changed.Add("routing.backends");
        }

        await SaveAsync(row, label, changed, () => row.UpdatedAt = _now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The file's backend list is the model's whole list: rows it no longer names are deleted (the one
    /// deletion apply makes), changed ones updated, new ones inserted. True when anything changed.
    /// </summary>
    private async Task<bool> ReplaceBackendsAsync(string modelId, List<FrontendModelBackendRow> desired, CancellationToken cancellationToken)
    {
        var table = db.GetTable<FrontendModelBackendRow>();
        var current = await table.Where(b => b.FrontendModelId == modelId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var wanted = desired.Select(d => d.BackendModelId).ToList();
        var changed = false;

        var removed = current.Where(c => !wanted.Contains(c.BackendModelId)).Select(c => c.BackendModelId).ToList();
        if (removed.Count > 0)
        {
            await table.Where(b => b.FrontendModelId == modelId && removed.Contains(b.BackendModelId)).DeleteAsync(cancellationToken).ConfigureAwait(false);
            changed = true;
        }

        foreach (var route in desired)
        {
            route.FrontendModelId = modelId;
            var stored = current.Find(c => c.BackendModelId == route.BackendModelId);
            if (stored is null)
            {
                await db.InsertAsync(route, token: cancellationToken).ConfigureAwait(false);
                changed = true;
            }
            else if (stored.Priority != route.Priority || stored.Weight != route.Weight)
            {
                await db.UpdateAsync(route, token: cancellationToken).ConfigureAwait(false);
                changed = true;
            }
        }

        return changed;
    }

    private async Task ApplyServiceTokenAsync(ServiceTokenConfig config, CancellationToken cancellationToken)
    {
        var name = config.Name!;
        var services = ConfigValues.ServicesJson(config.Services!);
        var expires = ConfigValues.ExpiryOrNull(config.ExpiresAt);
        var row = await db.GetTable<ServiceTokenRow>().FirstOrDefaultAsync(t => t.Name == name, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            var token = config.Token ?? CredentialHasher.Generate(CredentialHasher.ServiceTokenPrefix);
            await db.InsertAsync(
                new ServiceTokenRow
                {
                    Id = Ids.New("stk"),
                    Name = name,
                    ServicesJson = services,
                    LookupPrefix = CredentialHasher.LookupPrefix(token),
                    TokenHash = hasher.Hash(token),
                    ExpiresAt = expires,
                    CreatedAt = _now,
                },
                token: cancellationToken).ConfigureAwait(false);
            CreatedCredential($"service_token {name}", config.Token is null, "service_token", name, name, token);
            return;
        }

        var changed = new List<string>();
        if (!ConfigValues.SameJson(row.ServicesJson, services))
        {
            row.ServicesJson = services;
            changed.Add("services");
        }

        if (config.Token is { } given && !hasher.Verify(given, row.TokenHash))
        {
            (row.TokenHash, row.LookupPrefix) = (hasher.Hash(given), CredentialHasher.LookupPrefix(given));
            changed.Add("token");
        }

        Set(row.ExpiresAt, expires, v => row.ExpiresAt = v, "expires_at", changed);
        await SaveAsync(row, $"service_token {name}", changed, static () => { }, cancellationToken).ConfigureAwait(false);
    }

    private string? Encrypt(string? secret, string providerId) => secret is null ? null : protector.Protect(secret, providerId);

    private bool SameSecret(string? stored, string? desired, string providerId)
    {
        if (stored is null || desired is null)
        {
            return stored is null && desired is null;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(protector.Unprotect(stored, providerId)),
                System.Text.Encoding.UTF8.GetBytes(desired));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            // Not readable under the current secret key (e.g. after a key change): store it anew.
            return false;
        }
    }

    private static void Set<T>(T current, T desired, Action<T> set, string field, List<string> changed)
    {
        if (!EqualityComparer<T>.Default.Equals(current, desired))
        {
            set(desired);
            changed.Add(field);
        }
    }

    /// <summary>Writes the row only if a field changed: an unchanged object keeps its updated_at.</summary>
    private async Task SaveAsync<T>(T row, string label, List<string> changed, Action touch, CancellationToken cancellationToken)
        where T : notnull
    {
        if (changed.Count == 0)
        {
            _unchanged++;
            return;
        }

        touch();
        await db.UpdateAsync(row, token: cancellationToken).ConfigureAwait(false);
        _updated++;
        _changes.Add($"updated {label} ({string.Join(", ", changed)})");
    }

    private void Created(string label)
    {
        _created++;
        _changes.Add($"created {label}");
    }

    /// <summary>
    /// Records a created key or token. A generated value is handed back once — except in a dry run, where
    /// it was never stored and would not work.
    /// </summary>
    private void CreatedCredential(string label, bool generated, string kind, string owner, string name, string value)
    {
        Created(generated ? label + " (generated)" : label);
        if (generated && !dryRun)
        {
            _generated.Add(new GeneratedCredential(kind, owner, name, value));
        }
    }
}
