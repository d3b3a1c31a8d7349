using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.OpenAICompatible;

/// <summary>
/// Self-hosted OpenAI-compatible servers (vLLM, llama.cpp server, LM Studio, TGI…) at
/// <c>{base_url}/chat/completions</c>. They implement the classic <c>max_tokens</c> (not all know
/// <c>max_completion_tokens</c>), take an optional Bearer key (<c>--api-key</c>), and send the usage
/// chunk when asked with <c>stream_options.include_usage</c>.
/// </summary>
public sealed class OpenAICompatibleProvider(UpstreamHttpExecutor executor) : OpenAIDialectProvider(executor, Dialect)
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.OpenAICompatible,
        MaxTokensField = "max_tokens",
        SendStreamOptions = true,
    };
}
