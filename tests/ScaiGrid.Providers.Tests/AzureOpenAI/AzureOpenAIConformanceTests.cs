using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.AzureOpenAI;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.AzureOpenAI;

public sealed class AzureOpenAIConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeOpenAIServer { ExpectedApiKey = "test-secret-key" };

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "azure-test",
        ProviderType = ProviderTypes.AzureOpenAI,
        BaseUrl = new Uri(fakeBaseUrl, ""),
        UpstreamModel = "my-gpt4o-deployment",
        ApiKey = new Secret("test-secret-key"),
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new AzureOpenAIProvider(executor);
}
