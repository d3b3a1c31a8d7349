using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Core.Auth;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// Checks a whole file against the rules of docs/config-file.md and the database's current contents,
/// collecting every problem with its path. The applier relies on it: after a clean validation every
/// conversion (URL, money, dates) and every reference resolves, so applying cannot half-fail on input.
/// Messages never quote a credential.
/// </summary>
internal sealed partial class ConfigValidator
{
    private const int NameLength = 200;
    private const int MaxCredentialLength = 256;

    private readonly ConfigFile _file;
    private readonly ExistingState _existing;
    private readonly CredentialHasher _hasher;
    private readonly List<ConfigProblem> _problems = [];

    // Objects the file declares, for references between sections.
    private readonly HashSet<string> _providers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _backends = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _modelOwners = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tenants = new(StringComparer.Ordinal);

    // Explicit credentials by hash → where the file first gives them, so a copy-paste reuse is caught.
    private readonly Dictionary<string, string> _keyPaths = new(StringComparer.Ordinal);

    private ConfigValidator(ConfigFile file, ExistingState existing, CredentialHasher hasher)
    {
        _file = file;
        _existing = existing;
        _hasher = hasher;
    }

    public static IReadOnlyList<ConfigProblem> Validate(ConfigFile file, ExistingState existing, CredentialHasher hasher)
    {
        var validator = new ConfigValidator(file, existing, hasher);
        validator.Run();
        return validator._problems;
    }

    private void Run()
    {
        // Tenant slugs first: models name their owning tenant, and tenants come later in the file.
        foreach (var tenant in (_file.Partners ?? []).SelectMany(p => p.Tenants ?? []))
        {
            if (tenant.Slug is not null)
            {
                _tenants.Add(tenant.Slug);
            }
        }

        ValidateProviders();
        ValidateBackendModels();
        ValidateModels();
        ValidatePartners();
        ValidateServiceTokens();
    }

    private void ValidateProviders()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (provider, path) in Indexed(_file.Providers, "providers"))
        {
            if (Identifier(provider.Id, $"{path}.id", ConfigValues.Identifier(), "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters")
                && Unique(seen, provider.Id!, $"{path}.id", "id"))
            {
                _providers.Add(provider.Id!);
            }

            var typeKnown = false;
            if (Required(provider.Type, $"{path}.type"))
            {
                typeKnown = ProviderTypes.IsKnown(provider.Type!);
                if (!typeKnown)
                {
                    Problem($"{path}.type", $"unknown provider type '{provider.Type}' (allowed: {string.Join(", ", ProviderTypes.All)})");
                }
            }

            if (provider.BaseUrl is null)
            {
                if (typeKnown && !ConfigValues.DefaultBaseUrls.ContainsKey(provider.Type!))
                {
                    Problem($"{path}.base_url", $"required for type {provider.Type} (only {string.Join(", ", ConfigValues.DefaultBaseUrls.Keys)} have a default)");
                }
            }
            else if (ConfigValues.BaseUrlProblem(provider.BaseUrl) is { } urlProblem)
            {
                Problem($"{path}.base_url", urlProblem);
            }

            if (provider.ApiKey is { } apiKey && string.IsNullOrWhiteSpace(apiKey))
            {
                Problem($"{path}.api_key", "is empty (leave api_key out for a provider without credentials)");
            }

            foreach (var name in (provider.Settings ?? []).Keys)
            {
                if (!ConfigValues.SettingName().IsMatch(name))
                {
                    Problem($"{path}.settings.{name}", "setting names are letters, digits, '.', '_' and '-' (at most 100)");
                }
            }
        }
    }

    private void ValidateBackendModels()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (backend, path) in Indexed(_file.BackendModels, "backend_models"))
        {
            if (Identifier(backend.Id, $"{path}.id", ConfigValues.Identifier(), "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters")
                && Unique(seen, backend.Id!, $"{path}.id", "id"))
            {
                _backends.Add(backend.Id!);
            }

            if (Required(backend.Provider, $"{path}.provider") && !_providers.Contains(backend.Provider!) && !_existing.ProviderIds.Contains(backend.Provider!))
            {
                Problem($"{path}.provider", $"unknown provider '{backend.Provider}'");
            }

            if (Required(backend.UpstreamModel, $"{path}.upstream_model") && backend.UpstreamModel!.Length > 200)
            {
                Problem($"{path}.upstream_model", "is longer than 200 characters");
            }

            Money(backend.Pricing?.InputPerMtok, $"{path}.pricing.input_per_mtok");
            Money(backend.Pricing?.OutputPerMtok, $"{path}.pricing.output_per_mtok");
            Money(backend.Pricing?.CachedInputPerMtok, $"{path}.pricing.cached_input_per_mtok");

            if (backend.Capabilities is { } capabilities)
            {
                if (capabilities.Count == 0)
                {
                    Problem($"{path}.capabilities", "is empty: a backend needs at least one capability (leave it out for chat, stream)");
                }

                var seenCapabilities = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < capabilities.Count; i++)
                {
                    if (!ConfigValues.Capabilities.Contains(capabilities[i]))
                    {
                        Problem($"{path}.capabilities[{i}]", $"unknown capability '{capabilities[i]}' (allowed: {string.Join(", ", ConfigValues.Capabilities)})");
                    }
                    else if (!seenCapabilities.Add(capabilities[i]))
                    {
                        Problem($"{path}.capabilities[{i}]", $"'{capabilities[i]}' is listed twice");
                    }
                }
            }

            Positive(backend.ContextWindow, $"{path}.context_window");
            Positive(backend.MaxOutputTokens, $"{path}.max_output_tokens");
            if (backend is { ContextWindow: > 0, MaxOutputTokens: > 0 } && backend.MaxOutputTokens > backend.ContextWindow)
            {
                Problem($"{path}.max_output_tokens", "is larger than context_window");
            }
        }
    }

    private void ValidateModels()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (model, path) in Indexed(_file.Models, "models"))
        {
            if (Identifier(model.Slug, $"{path}.slug", ConfigValues.ModelSlug(), "lowercase letters, digits, '.', '_', '/' and '-', starting with a letter or digit, at most 200 characters")
                && Unique(seen, model.Slug!, $"{path}.slug", "slug"))
            {
                _modelOwners[model.Slug!] = model.Tenant;
            }

            MaxLength(model.DisplayName, $"{path}.display_name", NameLength);
            if (model.Tenant is not null && !_tenants.Contains(model.Tenant) && !_existing.Tenants.ContainsKey(model.Tenant))
            {
                Problem($"{path}.tenant", $"unknown tenant '{model.Tenant}'");
            }

            ValidateRouting(model.Routing, $"{path}.routing");

            if (model.SystemPrompt is { } prompt)
            {
                if (Required(prompt.Mode, $"{path}.system_prompt.mode") && !ConfigValues.SystemPromptModes.Contains(prompt.Mode!))
                {
                    Problem($"{path}.system_prompt.mode", $"unknown mode '{prompt.Mode}' (allowed: {string.Join(", ", ConfigValues.SystemPromptModes)})");
                }

                Required(prompt.Text, $"{path}.system_prompt.text");
            }
        }
    }

    private void ValidateRouting(RoutingConfig? routing, string path)
    {
        if (routing is null)
        {
            Problem(path, "required: a model needs at least one backend");
            return;
        }

        var strategy = routing.Strategy ?? ConfigValues.PriorityStrategy;
        if (!ConfigValues.Strategies.Contains(strategy))
        {
            Problem($"{path}.strategy", $"unknown strategy '{strategy}' (allowed: {string.Join(", ", ConfigValues.Strategies)})");
        }

        if (routing.Backends is not { Count: > 0 } backends)
        {
            Problem($"{path}.backends", "required: list at least one backend");
            return;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (route, routePath) in Indexed(backends, $"{path}.backends"))
        {
            if (Required(route.Backend, $"{routePath}.backend"))
            {
                if (!_backends.Contains(route.Backend!) && !_existing.BackendIds.Contains(route.Backend!))
                {
                    Problem($"{routePath}.backend", $"unknown backend '{route.Backend}'");
                }
                else
                {
                    Unique(seen, route.Backend!, $"{routePath}.backend", "backend");
                }
            }

            if (route.Priority < 0)
            {
                Problem($"{routePath}.priority", "must be 0 or more");
            }

            if (route.Weight < 0)
            {
                Problem($"{routePath}.weight", "must be 0 or more");
            }
        }

        if (strategy == ConfigValues.WeightedStrategy && backends.All(b => (b.Weight ?? ConfigValues.DefaultWeight) <= 0))
        {
            Problem($"{path}.backends", "weighted routing needs at least one backend with a weight above 0");
        }
    }

    private void ValidateServiceTokens()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (token, path) in Indexed(_file.ServiceTokens, "service_tokens"))
        {
            var named = Identifier(token.Name, $"{path}.name", ConfigValues.Identifier(), "lowercase letters, digits, '.', '_' and '-', at most 100 characters")
                && Unique(names, token.Name!, $"{path}.name", "name");
            if (token.Services is not { Count: > 0 })
            {
                Problem($"{path}.services", "required: list the services the token may call");
            }

            foreach (var (service, servicePath) in Indexed(token.Services, $"{path}.services"))
            {
                if (!ConfigValues.ServiceName().IsMatch(service))
                {
                    Problem(servicePath, $"'{service}' is not a service name (lowercase letters, digits, '.', '_' and '-')");
                }
            }

            if (token.Token is not null && Credential(token.Token, $"{path}.token", CredentialHasher.ServiceTokenPrefix) && named)
            {
                var hash = _hasher.Hash(token.Token);
                if (_existing.ServiceTokenOwners.TryGetValue(hash, out var holder) && holder != token.Name)
                {
                    Problem($"{path}.token", $"this token is already used by service token {holder}");
                }
                else if (!_keyPaths.TryAdd(hash, path))
                {
                    Problem($"{path}.token", $"the same token is also given at {_keyPaths[hash]}");
                }
            }

            Expiry(token.ExpiresAt, $"{path}.expires_at");
        }
    }

    private bool Credential(string value, string path, string prefix)
    {
        // Never quote the value: it is a credential.
        if (!value.StartsWith(prefix, StringComparison.Ordinal) || value.Length < 32 || value.Length > MaxCredentialLength || value.Any(char.IsWhiteSpace))
        {
            Problem(path, $"must start with {prefix} and be 32 to {MaxCredentialLength} characters without spaces (leave it out to generate one)");
            return false;
        }

        return true;
    }

    private void Expiry(string? value, string path)
    {
        if (value is not null && !ConfigValues.TryParseExpiry(value, out _))
        {
            Problem(path, $"'{value}' is not an ISO-8601 date or time (e.g. 2026-12-31 or 2026-12-31T23:59:59Z)");
        }
    }

    private void Money(decimal? value, string path)
    {
        if (value is { } amount && ConfigValues.MoneyProblem(amount) is { } problem)
        {
            Problem(path, problem);
        }
    }

    private void Positive(int? value, string path)
    {
        if (value <= 0)
        {
            Problem(path, "must be above 0");
        }
    }

    private void Name(string? value, string path)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Problem(path, "is empty");
        }

        MaxLength(value, path, NameLength);
    }

    private void MaxLength(string? value, string path, int length)
    {
        if (value?.Length > length)
        {
            Problem(path, $"is longer than {length} characters");
        }
    }

    private bool Required(string? value, string path)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        Problem(path, "required");
        return false;
    }

    private bool Identifier(string? value, string path, System.Text.RegularExpressions.Regex pattern, string rule)
    {
        if (!Required(value, path))
        {
            return false;
        }

        if (pattern.IsMatch(value!))
        {
            return true;
        }

        Problem(path, $"'{value}' is not valid: {rule}");
        return false;
    }

    private bool Unique(Dictionary<string, string> seen, string value, string path, string what)
    {
        if (seen.TryAdd(value, path))
        {
            return true;
        }

        Problem(path, $"duplicate {what} '{value}' (also at {seen[value]})");
        return false;
    }

    private void Problem(string path, string message) => _problems.Add(new ConfigProblem(path, message));

    private static IEnumerable<(T Item, string Path)> Indexed<T>(List<T>? items, string path) =>
        (items ?? []).Select((item, i) => (item, $"{path}[{i}]"));
}
