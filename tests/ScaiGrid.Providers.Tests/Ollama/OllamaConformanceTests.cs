using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Ollama;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Ollama;

public sealed class OllamaConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeOllamaServer();

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "ollama-test",
        ProviderType = ProviderTypes.Ollama,
        BaseUrl = new Uri(fakeBaseUrl, ""),
        UpstreamModel = "llama3.2:latest",
        ApiKey = null,
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new OllamaProvider(executor);
}
