using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;
using ScaiGrid.Providers.OpenAICompatible;
using ScaiGrid.Providers.Tests.Support;
using ScaiGrid.Testing.Fakes;

namespace ScaiGrid.Providers.Tests.OpenAICompatible;

public sealed class OpenAICompatibleProviderTests : IAsyncLifetime
{
    private readonly UpstreamHttpExecutor _executor = new();
    private readonly FakeOpenAIServer _fake = new();
    private OpenAICompatibleProvider _provider = null!;

    public async Task InitializeAsync()
    {
        await _fake.StartAsync();
        _provider = new OpenAICompatibleProvider(_executor);
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task ChatAsync_TargetWithoutKey_SendsNoAuthorization()
    {
        var target = Requests.Target(ProviderTypes.OpenAICompatible, new Uri(_fake.BaseUrl, "v1"), "Qwen/Qwen3-8B", key: null);

        await _provider.ChatAsync(target, Requests.Full(stream: false), CancellationToken.None);

        Assert.Null(_fake.LastRequest.Header("authorization"));
        Assert.Equal(256, _fake.LastRequest.Json.GetProperty("max_tokens").GetInt32());
        Assert.Equal("Qwen/Qwen3-8B", _fake.LastRequest.Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task ChatAsync_TargetWithKey_SendsBearer()
    {
        var target = Requests.Target(ProviderTypes.OpenAICompatible, new Uri(_fake.BaseUrl, "v1"), "local", key: "vllm-key");

        await _provider.ChatAsync(target, Requests.Simple(), CancellationToken.None);

        Assert.Equal("Bearer vllm-key", _fake.LastRequest.Header("authorization"));
    }
}
