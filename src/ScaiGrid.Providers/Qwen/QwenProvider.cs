using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Qwen;

/// <summary>
/// Alibaba Cloud Model Studio (DashScope) in OpenAI-compatible mode, e.g.
/// <c>https://dashscope-intl.aliyuncs.com/compatible-mode/v1</c>, with Bearer auth. Per Model Studio's
/// "OpenAI compatible – Chat" page it takes <c>max_tokens</c> and <c>seed</c>, honours
/// <c>stream_options.include_usage</c>, and returns thinking models' reasoning as <c>reasoning_content</c>
/// (which the shared parser turns into reasoning deltas). <c>user</c> is not part of its documented
/// request body, so it is not sent.
/// </summary>
public sealed class QwenProvider(UpstreamHttpExecutor executor) : OpenAIDialectProvider(executor, Dialect)
{
    internal static readonly OpenAIDialect Dialect = new()
    {
        ProviderType = ProviderTypes.Qwen,
        MaxTokensField = "max_tokens",
        SendStreamOptions = true,
        SendUser = false,
    };
}
