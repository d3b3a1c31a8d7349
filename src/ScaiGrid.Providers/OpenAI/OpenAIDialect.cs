using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>How a provider sends its credential.</summary>
internal enum OpenAIAuthScheme
{
    /// <summary><c>Authorization: Bearer &lt;key&gt;</c>, omitted when the target has no key (local vLLM, llama.cpp).</summary>
    Bearer,

    /// <summary>Azure OpenAI's <c>api-key: &lt;key&gt;</c> header (Azure docs, "Authentication").</summary>
    AzureApiKey,
}

/// <summary>
/// The quirks that separate one OpenAI-shaped API from another. The translator, stream parser and
/// error mapper are shared; a provider folder only states its dialect.
/// </summary>
internal sealed record OpenAIDialect
{
    public required string ProviderType { get; init; }

    /// <summary>
    /// OpenAI deprecated <c>max_tokens</c> for <c>max_completion_tokens</c> (reasoning models reject the
    /// old one); Mistral, DashScope and most compatible servers only know <c>max_tokens</c>.
    /// </summary>
    public string MaxTokensField { get; init; } = "max_completion_tokens";

    /// <summary>Mistral calls it <c>random_seed</c>.</summary>
    public string SeedField { get; init; } = "seed";

    /// <summary>
    /// Whether <c>stream_options: {"include_usage": true}</c> is sent when streaming. Without it OpenAI
    /// sends no usage at all in a stream; Mistral rejects the field and always sends usage.
    /// </summary>
    public bool SendStreamOptions { get; init; } = true;

    /// <summary>The <c>tool_choice</c> string meaning "must call some tool" (Mistral: <c>any</c>).</summary>
    public string RequiredToolChoice { get; init; } = "required";

    /// <summary>Whether the end-user id goes out as <c>user</c>; strict APIs (Mistral) reject unknown fields.</summary>
    public bool SendUser { get; init; } = true;

    /// <summary>Whether a message's participant <c>name</c> is sent.</summary>
    public bool SendParticipantName { get; init; } = true;

    /// <summary>Embedding output size field: OpenAI <c>dimensions</c>, Mistral <c>output_dimension</c>.</summary>
    public string EmbeddingDimensionsField { get; init; } = "dimensions";

    public OpenAIAuthScheme Auth { get; init; } = OpenAIAuthScheme.Bearer;

    /// <summary>Whether <c>OpenAI-Organization</c>/<c>OpenAI-Project</c> come from the target's settings.</summary>
    public bool SendOrganizationHeaders { get; init; }

    /// <summary>
    /// Builds the URL of an operation (<c>chat/completions</c>, <c>embeddings</c>, <c>models</c>).
    /// Default: <c>{base_url}/{operation}</c>. Azure replaces it with its deployment path.
    /// </summary>
    public Func<ProviderTarget, string, Uri> Endpoint { get; init; } = BaseRelative;

    public static Uri BaseRelative(ProviderTarget target, string operation) =>
        new(string.Concat(target.BaseUrl.AbsoluteUri.AsSpan().TrimEnd('/'), "/", operation));
}
