using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.OpenAI;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.OpenAI;

public sealed class OpenAIConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeOpenAIServer { ExpectedApiKey = "test-secret-key" };

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "openai-test",
        ProviderType = ProviderTypes.OpenAI,
        BaseUrl = new Uri(fakeBaseUrl, "v1"),
        UpstreamModel = "gpt-4o-mini",
        ApiKey = new Secret("test-secret-key"),
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new OpenAIProvider(executor);
}
