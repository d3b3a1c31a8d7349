using System.Collections.Frozen;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Models;

/// <summary>One backend as routing sees it: where to send, how it is priced, what it can do.</summary>
public sealed record BackendEntry(
    string Id,
    ProviderTarget Target,
    IReadOnlySet<string> Capabilities,
    long InputNanoUsdPerMtok,
    long OutputNanoUsdPerMtok,
    long CachedInputNanoUsdPerMtok,
    int? ContextWindow,
    int? MaxOutputTokens);

/// <summary>A frontend backend link: the backend and its place in the routing policy.</summary>
public sealed record RouteEntry(BackendEntry Backend, int Priority, int Weight);

/// <summary>A frontend model with its resolved routing policy and system-prompt rule; <c>CreatedAt</c> in Unix milliseconds.</summary>
public sealed record FrontendEntry(
    string Id,
    string Slug,
    string? DisplayName,
    string? Description,
    string Strategy,
    IReadOnlyList<RouteEntry> Routes,
    string? SystemPromptMode,
    string? SystemPromptText,
    string? OwnerTenantId,
    long CreatedAt = 0)
{
    public bool IsVisibleTo(CallerContext caller) =>
        (OwnerTenantId is null || OwnerTenantId == caller.TenantId) && (caller.AllowedModels is null || caller.AllowedModels.Contains(Slug));
}

/// <summary>An immutable view of every enabled model, provider and tenant, swapped whole on reload.</summary>
public sealed class ModelSnapshot(FrozenDictionary<string, FrontendEntry> frontends, FrozenDictionary<string, TenantRow> tenants, DateTimeOffset loadedAt)
{
    public static ModelSnapshot Empty { get; } = new(FrozenDictionary<string, FrontendEntry>.Empty, FrozenDictionary<string, TenantRow>.Empty, DateTimeOffset.MinValue);

    public FrozenDictionary<string, FrontendEntry> Frontends { get; } = frontends;

    public FrozenDictionary<string, TenantRow> Tenants { get; } = tenants;

    public DateTimeOffset LoadedAt { get; } = loadedAt;
}

/// <summary>
/// The hot path's source of models, routes, prices and provider credentials: loaded from the database into
/// memory, replaced atomically on <see cref="ModelEvents.Changed"/> and on a timer — never queried per request.
/// </summary>
public sealed partial class ModelCatalog(ScaiGridDatabase database, SecretProtector protector, TimeProvider time, ILogger<ModelCatalog> logger) : ICachedCatalog
{
    public string Topic => ModelEvents.Changed;

    private ModelSnapshot _snapshot = ModelSnapshot.Empty;

    public ModelSnapshot Current => Volatile.Read(ref _snapshot);

    public bool TryGet(string slug, out FrontendEntry entry) => Current.Frontends.TryGetValue(slug, out entry!);

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var db = database.Open();
        var providers = await db.GetTable<ProviderRow>().Where(p => p.IsEnabled).ToListAsync(cancellationToken).ConfigureAwait(false);
        var backends = await db.GetTable<BackendModelRow>().Where(b => b.IsEnabled).ToListAsync(cancellationToken).ConfigureAwait(false);
        var frontends = await db.GetTable<FrontendModelRow>().Where(f => f.IsEnabled).ToListAsync(cancellationToken).ConfigureAwait(false);
        var links = await db.GetTable<FrontendModelBackendRow>().ToListAsync(cancellationToken).ConfigureAwait(false);
        var tenants = await db.GetTable<TenantRow>().ToListAsync(cancellationToken).ConfigureAwait(false);

        var providerById = new Dictionary<string, ProviderRow>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, Secret?>(StringComparer.Ordinal);
        foreach (var provider in providers)
        {
            providerById[provider.Id] = provider;
            secrets[provider.Id] = DecryptOrNull(provider);
        }

        var backendById = new Dictionary<string, BackendEntry>(StringComparer.Ordinal);
        foreach (var row in backends)
        {
            if (!providerById.TryGetValue(row.ProviderId, out var provider))
            {
                continue;
            }

            backendById[row.Id] = new BackendEntry(
                row.Id,
                new ProviderTarget
                {
                    ProviderId = provider.Id,
                    ProviderType = provider.Type,
                    BaseUrl = new Uri(provider.BaseUrl.TrimEnd('/')),
                    UpstreamModel = row.UpstreamModel,
                    ApiKey = secrets[provider.Id],
                    Settings = ParseSettings(provider.SettingsJson),
                    BackendId = row.Id,
                },
                ParseCapabilities(row.CapabilitiesJson),
                row.InputNanoUsdPerMtok,
                row.OutputNanoUsdPerMtok,
                row.CachedInputNanoUsdPerMtok,
                row.ContextWindow,
                row.MaxOutputTokens);
        }

        var linksByFrontend = links.ToLookup(l => l.FrontendModelId, StringComparer.Ordinal);
        var entries = new Dictionary<string, FrontendEntry>(StringComparer.Ordinal);
        foreach (var row in frontends)
        {
            var routes = linksByFrontend[row.Id]
                .Where(l => backendById.ContainsKey(l.BackendModelId))
                .Select(l => new RouteEntry(backendById[l.BackendModelId], l.Priority, l.Weight))
                .OrderBy(r => r.Priority)
                .ThenBy(r => r.Backend.Id, StringComparer.Ordinal)
                .ToList();
            entries[row.Slug] = new FrontendEntry(row.Id, row.Slug, row.DisplayName, row.Description, row.RoutingStrategy, routes, row.SystemPromptMode, row.SystemPromptText, row.OwnerTenantId, row.CreatedAt);
        }

        Volatile.Write(ref _snapshot, new ModelSnapshot(entries.ToFrozenDictionary(StringComparer.Ordinal), tenants.ToFrozenDictionary(t => t.Id, StringComparer.Ordinal), time.GetUtcNow()));
        LogReloaded(entries.Count, backendById.Count);
    }

    private Secret? DecryptOrNull(ProviderRow provider)
    {
        if (provider.CredentialsEncrypted is null)
        {
            return null;
        }

        try
        {
            return new Secret(protector.Unprotect(provider.CredentialsEncrypted, provider.Id));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A different SCAIGRID_SECRET_KEY than the one that wrote it: the provider will fail auth upstream.
            LogUndecryptable(provider.Id);
            return null;
        }
    }

    private static IReadOnlyDictionary<string, string> ParseSettings(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return FrozenDictionary<string, string>.Empty;
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToFrozenDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
    }

    private static FrozenSet<string> ParseCapabilities(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToFrozenSet(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model catalog loaded: {Frontends} frontend and {Backends} backend models")]
    private partial void LogReloaded(int frontends, int backends);

    [LoggerMessage(Level = LogLevel.Error, Message = "Credentials of provider {Provider} cannot be decrypted with this SCAIGRID_SECRET_KEY")]
    private partial void LogUndecryptable(string provider);
}

/// <summary>Event topics that invalidate the model catalog.</summary>
public static class ModelEvents
{
    /// <summary>Providers, backend or frontend models or tenants changed; every replica reloads.</summary>
    public const string Changed = "models.changed";
}
