using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Anthropic;
using ScaiGrid.Providers.AzureOpenAI;
using ScaiGrid.Providers.Gemini;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Mistral;
using ScaiGrid.Providers.Ollama;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.OpenAICompatible;
using ScaiGrid.Providers.Qwen;

namespace ScaiGrid.Providers;

public static class ProvidersServiceCollectionExtensions
{
    /// <summary>
    /// Registers the shared <see cref="UpstreamHttpExecutor"/> (with <see cref="UpstreamTimeouts"/> when the
    /// host registered them; unless the host registered its own executor), every provider as an <see cref="IProvider"/> singleton, and the
    /// <see cref="ProviderRegistry"/>. A new provider adds one <c>AddSingleton&lt;IProvider, X&gt;()</c> line.
    /// </summary>
    public static IServiceCollection AddScaiGridProviders(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(ProviderRegistry)))
        {
            return services;
        }

        services.TryAddSingleton(sp => new UpstreamHttpExecutor(sp.GetService<UpstreamTimeouts>()));

        services.AddSingleton<IProvider, OpenAIProvider>();
        services.AddSingleton<IProvider, AzureOpenAIProvider>();
        services.AddSingleton<IProvider, MistralProvider>();
        services.AddSingleton<IProvider, QwenProvider>();
        services.AddSingleton<IProvider, OpenAICompatibleProvider>();
        services.AddSingleton<IProvider, OllamaProvider>();
        services.AddSingleton<IProvider, AnthropicProvider>();
        services.AddSingleton<IProvider, GeminiProvider>();

        services.AddSingleton<ProviderRegistry>();
        return services;
    }
}
