using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.AzureOpenAI;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAI;

namespace ScaiGrid.Providers.Tests;

public sealed class ProviderRegistryTests
{
    [Fact]
    public void AddScaiGridProviders_Resolves_EveryHttpProviderType()
    {
        using var services = new ServiceCollection().AddScaiGridProviders().BuildServiceProvider();

        var registry = services.GetRequiredService<ProviderRegistry>();

        foreach (var type in new[] { ProviderTypes.OpenAI, ProviderTypes.AzureOpenAI, ProviderTypes.Mistral, ProviderTypes.Qwen, ProviderTypes.OpenAICompatible, ProviderTypes.Ollama, ProviderTypes.Anthropic, ProviderTypes.Google })
        {
            Assert.True(registry.TryGet(type, out var provider), type);
            Assert.Equal(type, provider.Type);
        }
    }

    [Fact]
    public void AddScaiGridProviders_CalledTwice_RegistersEachProviderOnce()
    {
        var collection = new ServiceCollection().AddScaiGridProviders().AddScaiGridProviders();

        Assert.Equal(8, collection.Count(d => d.ServiceType == typeof(IProvider)));
        Assert.Single(collection, d => d.ServiceType == typeof(ProviderRegistry));
    }

    [Fact]
    public void AddScaiGridProviders_HostRegisteredExecutor_IsKept()
    {
        var collection = new ServiceCollection();
        var executor = new UpstreamHttpExecutor();
        collection.AddSingleton(executor);
        using var services = collection.AddScaiGridProviders().BuildServiceProvider();

        Assert.Same(executor, services.GetRequiredService<UpstreamHttpExecutor>());
    }

    [Fact]
    public void TryGet_UnknownType_ReturnsFalse()
    {
        var registry = new ProviderRegistry([]);

        Assert.False(registry.TryGet(ProviderTypes.Anthropic, out var provider));
        Assert.Null(provider);
        Assert.Empty(registry.Types);
    }

    [Fact]
    public void TryGetCapability_AzureHasNoModelLister_ReturnsFalse()
    {
        using var executor = new UpstreamHttpExecutor();
        var registry = new ProviderRegistry([new AzureOpenAIProvider(executor), new OpenAIProvider(executor)]);

        Assert.False(registry.TryGet<IModelLister>(ProviderTypes.AzureOpenAI, out _));
        Assert.True(registry.TryGet<IModelLister>(ProviderTypes.OpenAI, out var lister));
        Assert.IsType<OpenAIProvider>(lister);
    }

    [Fact]
    public void Constructor_TwoClassesClaimingOneType_Throws()
    {
        using var executor = new UpstreamHttpExecutor();

        var ex = Assert.Throws<InvalidOperationException>(() => new ProviderRegistry([new OpenAIProvider(executor), new Impostor()]));

        Assert.Contains("'openai'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SameClassTwice_KeepsTheFirst()
    {
        using var executor = new UpstreamHttpExecutor();
        var first = new OpenAIProvider(executor);

        var registry = new ProviderRegistry([first, new OpenAIProvider(executor)]);

        Assert.True(registry.TryGet(ProviderTypes.OpenAI, out var found));
        Assert.Same(first, found);
    }

    private sealed class Impostor : IChatProvider
    {
        public string Type => ProviderTypes.OpenAI;

        public Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
