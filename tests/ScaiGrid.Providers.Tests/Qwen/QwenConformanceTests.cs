using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Qwen;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.Qwen;

public sealed class QwenConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeOpenAIServer(FakeOpenAIFlavor.Qwen) { ExpectedApiKey = "test-secret-key" };

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "qwen-test",
        ProviderType = ProviderTypes.Qwen,
        BaseUrl = new Uri(fakeBaseUrl, "compatible-mode/v1"),
        UpstreamModel = "qwen-plus",
        ApiKey = new Secret("test-secret-key"),
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new QwenProvider(executor);
}
