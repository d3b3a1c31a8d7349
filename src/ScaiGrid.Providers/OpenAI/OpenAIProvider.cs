using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.OpenAI;

/// <summary>
/// OpenAI's own API: <c>{base_url}/chat/completions</c>, <c>/embeddings</c>, <c>/models</c> with
/// <c>Authorization: Bearer</c> and optional <c>OpenAI-Organization</c>/<c>OpenAI-Project</c> from the
/// target's <c>organization</c>/<c>project</c> settings.
/// </summary>
public sealed class OpenAIProvider(UpstreamHttpExecutor executor) : OpenAIDialectProvider(executor, Dialect)
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.OpenAI,

        // API reference, "max_tokens": deprecated in favour of max_completion_tokens, which o-series
        // reasoning models require.
        MaxTokensField = "max_completion_tokens",
        SendStreamOptions = true,
        SendOrganizationHeaders = true,
    };
}
