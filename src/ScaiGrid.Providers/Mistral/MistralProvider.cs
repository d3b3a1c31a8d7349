using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Mistral;

/// <summary>
/// Mistral La Plateforme (<c>https://api.mistral.ai/v1</c>): OpenAI-shaped chat, embeddings and models
/// with Bearer auth. Its request schema ("Chat Completion" in Mistral's API reference) is strict and
/// differs in names: <c>max_tokens</c>, <c>random_seed</c>, <c>tool_choice: "any"</c> for "must call a
/// tool", no <c>user</c>, no <c>stream_options</c> (a stream's last chunk always carries usage), and
/// <c>output_dimension</c> for embeddings.
/// </summary>
public sealed class MistralProvider(UpstreamHttpExecutor executor) : OpenAIDialectProvider(executor, Dialect)
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.Mistral,
        MaxTokensField = "max_tokens",
        SeedField = "random_seed",
        SendStreamOptions = false,
        RequiredToolChoice = "any",
        SendUser = false,
        SendParticipantName = false,
        EmbeddingDimensionsField = "output_dimension",
    };
}
