namespace ScaiGrid.Abstractions.Providers;

/// <summary>
/// Where and how one call goes upstream: the provider's endpoint and credentials (already decrypted)
/// and the upstream model the chosen backend names. Built by routing; read by translators and the executor.
/// </summary>
public sealed class ProviderTarget
{
    /// <summary>The configured provider id (e.g. <c>openai-main</c>).</summary>
    public required string ProviderId { get; init; }

    /// <summary>The wire dialect: see <see cref="ProviderTypes"/>.</summary>
    public required string ProviderType { get; init; }

    /// <summary>The base URL without a trailing slash, e.g. <c>https://api.openai.com/v1</c>.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The upstream's own model name (or Azure deployment name).</summary>
    public required string UpstreamModel { get; init; }

    /// <summary>The credential, or null for servers without auth (local Ollama, vLLM).</summary>
    public Secret? ApiKey { get; init; }

    /// <summary>Provider-specific settings from the config (api_version, organization, extra headers…).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The backend model id, for logs and metrics.</summary>
    public string BackendId { get; init; } = string.Empty;

    public string? Setting(string name) => Settings.TryGetValue(name, out var v) ? v : null;
}

/// <summary>A secret value that never prints itself (logs, exceptions, records' ToString).</summary>
public sealed class Secret(string value)
{
    public string Reveal() => value;

    public override string ToString() => "***";
}

/// <summary>The provider types a config file may name.</summary>
public static class ProviderTypes
{
    public const string OpenAI = "openai";
    public const string AzureOpenAI = "azure_openai";
    public const string Anthropic = "anthropic";
    public const string Google = "google";
    public const string Mistral = "mistral";
    public const string Qwen = "qwen";
    public const string Ollama = "ollama";
    public const string OpenAICompatible = "openai_compatible";
    public const string ScaiInfer = "scaiinfer";

    public static IReadOnlyList<string> All { get; } =
        [OpenAI, AzureOpenAI, Anthropic, Google, Mistral, Qwen, Ollama, OpenAICompatible, ScaiInfer];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);
}
