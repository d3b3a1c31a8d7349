using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Mistral;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Mistral;

public sealed class MistralConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeOpenAIServer(FakeOpenAIFlavor.Mistral) { ExpectedApiKey = "test-secret-key" };

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "mistral-test",
        ProviderType = ProviderTypes.Mistral,
        BaseUrl = new Uri(fakeBaseUrl, "v1"),
        UpstreamModel = "mistral-small-latest",
        ApiKey = new Secret("test-secret-key"),
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new MistralProvider(executor);
}
