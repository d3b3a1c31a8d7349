using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.OpenAICompat;

/// <summary>With authentication on, credential failures on /oai/v1 come back in OpenAI's shape (raised before routing).</summary>
public sealed class OpenAIAuthTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync(env => env["SCAIGRID_AUTH_DISABLED"] = "false");

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> Backends => new() { "test/openai", "test/anthropic", "test/gemini" };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task UnknownKey_EveryBackend_Is401AuthenticationError(string model)
    {
        var client = OpenAISdk.Chat(_gateway.Server, model, key: "sgk_not_a_real_key_000000000000000000000000");

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(401, ex.Status);
        var error = OpenAISdk.ErrorOf(ex);
        Assert.Equal("INVALID_CREDENTIALS", error.GetProperty("code").GetString());
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.False(string.IsNullOrEmpty(OpenAISdk.Header(ex, "X-Request-ID")));
        Assert.Equal(0, _gateway.OpenAI.CallCount + _gateway.Anthropic.CallCount + _gateway.Gemini.CallCount);
    }

    [Fact]
    public async Task NoCredentials_Is401AuthRequiredInOpenAIShape_WhileNativePathsKeepTheNativeEnvelope()
    {
        var body = new StringContent("""{"model":"test/openai","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
        var oai = await _gateway.Client.PostAsync("/oai/v1/chat/completions", body);
        var native = await _gateway.Client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, oai.StatusCode);
        var error = JsonDocument.Parse(await oai.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal("AUTH_REQUIRED", error.GetProperty("code").GetString());
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        var nativeError = JsonDocument.Parse(await native.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("AUTH_REQUIRED", nativeError.GetProperty("code").GetString());
        Assert.True(nativeError.TryGetProperty("request_id", out _));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RealApiKey_EveryBackend_CompletesThroughTheSdk(string model)
    {
        var client = OpenAISdk.Chat(_gateway.Server, model, key: GatewayWithFakes.MemberKey);

        var completion = (await client.CompleteChatAsync([new UserChatMessage("Hi")])).Value;

        Assert.Equal("Hello from the fake upstream.", completion.Content[0].Text);
        Assert.Equal(19, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task MemberKey_OnTheAdminApi_Is403PermissionDenied()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/tenants");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayWithFakes.MemberKey);

        var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("PERMISSION_DENIED", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
