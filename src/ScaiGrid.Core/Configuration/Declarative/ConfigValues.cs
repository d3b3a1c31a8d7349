using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Core.Configuration.Declarative;

/// <summary>
/// The vocabulary, defaults and value conversions of the config file, shared by the validator (which
/// checks that a conversion will succeed) and the applier (which performs it).
/// </summary>
internal static partial class ConfigValues
{
    public const int DefaultSoftThresholdPct = 80;
    public const int DefaultPriority = 1;
    public const int DefaultWeight = 100;
    public const string PriorityStrategy = "priority";
    public const string WeightedStrategy = "weighted";
    private const decimal NanoPerUnit = 1_000_000_000m;

    // The width of providers.base_url: SQLite would store more, MariaDB would refuse it mid-apply.
    private const int MaxBaseUrlLength = 1000;

    public static IReadOnlyList<string> Strategies { get; } = [PriorityStrategy, WeightedStrategy];
    public static IReadOnlyList<string> SystemPromptModes { get; } = ["prefix", "suffix", "replace", "template"];
    public static IReadOnlyList<string> Periods { get; } = ["daily", "monthly", "total"];

    /// <summary>In this order in the stored JSON, so equal sets compare equal whatever order the file used.</summary>
    public static IReadOnlyList<string> Capabilities { get; } = ["chat", "stream", "tools", "vision", "json", "embeddings", "reasoning"];

    public static IReadOnlyList<string> DefaultCapabilities { get; } = ["chat", "stream"];

    /// <summary>
    /// Providers with one public endpoint may leave base_url out. Anthropic's is the host alone because its
    /// provider appends <c>/v1/messages</c> itself; the others end in the API version their provider expects.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultBaseUrls { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ProviderTypes.OpenAI] = "https://api.openai.com/v1",
        [ProviderTypes.Anthropic] = "https://api.anthropic.com",
        [ProviderTypes.Google] = "https://generativelanguage.googleapis.com/v1beta",
        [ProviderTypes.Mistral] = "https://api.mistral.ai/v1",
        [ProviderTypes.Qwen] = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    };

    /// <summary>Frontend model slugs may contain '/' (<c>openai/gpt-4o</c>): they are addresses, not path segments.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9._/-]{0,199}$")]
    public static partial Regex ModelSlug();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$")]
    public static partial Regex TenancySlug();

    /// <summary>Provider, backend model and service token ids.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    public static partial Regex Identifier();

    /// <summary>API key names: shown in lists and logs, so printable and short.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")]
    public static partial Regex KeyName();

    /// <summary>Plausible, not RFC 5322: one '@', no spaces, a dot in the domain.</summary>
    [GeneratedRegex(@"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")]
    public static partial Regex Email();

    /// <summary>Module permissions are <c>module:action</c>, the same shape as the core ones.</summary>
    [GeneratedRegex("^[a-z][a-z0-9_-]*:[a-z][a-z0-9_.-]*$")]
    public static partial Regex Permission();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    public static partial Regex ServiceName();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    public static partial Regex SettingName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex IsoDateStart();

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    /// <summary>The stored base URL: the file's (or the type's default) without a trailing slash.</summary>
    public static string BaseUrl(string type, string? configured) =>
        (configured ?? DefaultBaseUrls[type]).Trim().TrimEnd('/');

    /// <summary>
    /// Outbound URL rules: ScaiGrid sends provider credentials to this address, so it must be a plain
    /// http(s) origin + path. Userinfo would carry a second credential in logs; a query or fragment would
    /// be mangled when provider paths are appended.
    /// </summary>
    public static string? BaseUrlProblem(string value)
    {
        if (value.Length > MaxBaseUrlLength)
        {
            return $"is longer than {MaxBaseUrlLength} characters";
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return "must be an absolute URL such as https://api.example.com/v1";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return $"must use http or https, not {uri.Scheme}";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "must not contain a user name or password (give the credential as api_key)";
        }

        if (uri.Query.Length > 0 || value.Contains('?', StringComparison.Ordinal))
        {
            return "must not contain a query string (put settings under settings)";
        }

        return uri.Fragment.Length > 0 || value.Contains('#', StringComparison.Ordinal) ? "must not contain a fragment (#…)" : null;
    }

    /// <summary>Money amounts (USD) as stored: exact nano-USD, so 9 decimal places at most.</summary>
    public static string? MoneyProblem(decimal value)
    {
        if (value < 0)
        {
            return "must be 0 or more";
        }

        if (value > long.MaxValue / NanoPerUnit)
        {
            return "is too large";
        }

        return decimal.Truncate(value * NanoPerUnit) != value * NanoPerUnit ? "must have at most 9 decimal places" : null;
    }

    public static long ToNanoUsd(decimal value) => decimal.ToInt64(value * NanoPerUnit);

    public static bool TryParseExpiry(string value, out long unixMs)
    {
        unixMs = 0;
        if (!IsoDateStart().IsMatch(value.Trim())
            || !DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        unixMs = parsed.ToUnixTimeMilliseconds();
        return true;
    }

    public static long? ExpiryOrNull(string? value) => value is not null && TryParseExpiry(value, out var ms) ? ms : null;

    public static string CapabilitiesJson(IReadOnlyCollection<string>? configured)
    {
        var set = configured ?? DefaultCapabilities;
        return JsonSerializer.Serialize(Capabilities.Where(set.Contains).ToArray());
    }

    public static string? SettingsJson(Dictionary<string, string>? settings)
    {
        if (settings is null || settings.Count == 0)
        {
            return null;
        }

        var ordered = new JsonObject();
        foreach (var (name, value) in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            ordered[name] = value;
        }

        return ordered.ToJsonString();
    }

    /// <summary><c>{"models":[…],"permissions":[…]}</c> with only the lists the file gives; null = unrestricted.</summary>
    public static string? ScopesJson(ScopesConfig? scopes)
    {
        if (scopes is null || (scopes.Models is null && scopes.Permissions is null))
        {
            return null;
        }

        var json = new JsonObject();
        if (scopes.Models is not null)
        {
            json["models"] = new JsonArray([.. scopes.Models.Distinct(StringComparer.Ordinal).Select(m => (JsonNode?)m)]);
        }

        if (scopes.Permissions is not null)
        {
            json["permissions"] = new JsonArray([.. scopes.Permissions.Distinct(StringComparer.Ordinal).Select(p => (JsonNode?)p)]);
        }

        return json.ToJsonString();
    }

    public static string ServicesJson(IEnumerable<string> services) =>
        JsonSerializer.Serialize(services.Distinct(StringComparer.Ordinal).ToArray());

    /// <summary>
    /// JSON columns are compared by meaning, not text: a row written by the admin API with other spacing
    /// or escaping is not "changed" (and its updated_at not bumped) when it says the same thing.
    /// </summary>
    public static bool SameJson(string? stored, string? desired)
    {
        if (stored is null || desired is null)
        {
            return stored is null && desired is null;
        }

        if (string.Equals(stored, desired, StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(stored), JsonNode.Parse(desired));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
