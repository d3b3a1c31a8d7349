using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.OpenAICompatible;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.Tests.Conformance;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.OpenAICompatible;

public sealed class OpenAICompatibleConformanceTests : ProviderConformanceSuite
{
    protected override FakeUpstreamServer CreateFake() => new FakeOpenAIServer();

    protected override ProviderTarget CreateTarget(Uri fakeBaseUrl) => new()
    {
        ProviderId = "vllm-test",
        ProviderType = ProviderTypes.OpenAICompatible,
        BaseUrl = new Uri(fakeBaseUrl, "v1"),
        UpstreamModel = "Qwen/Qwen3-8B",
        ApiKey = null,
    };

    protected override IProvider CreateProvider(UpstreamHttpExecutor executor) => new OpenAICompatibleProvider(executor);
}
