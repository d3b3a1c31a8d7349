using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ScaiGrid.Core.Modules;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Foundation;

/// <summary>Deny by default: with authentication on, only anonymous-marked endpoints answer without credentials.</summary>
public sealed class GuardTests : IAsyncLifetime
{
    private ScaiGridServer _server = null!;

    public async Task InitializeAsync()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = "sample";
        _server = await ScaiGridServer.StartAsync(env, new ModuleCatalog([new SampleModule()]));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();

    [Fact]
    public async Task ModuleEndpoint_WithoutCredentials_Is401AuthRequired()
    {
        var response = await _server.Client.GetAsync("/v1/modules/sample/hello");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("AUTH_REQUIRED", await CodeOf(response));
    }

    [Fact]
    public async Task UnknownBearer_Is401InvalidCredentials()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/modules/sample/hello");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sgk_not_a_real_key_000000000000000000000000");

        var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("INVALID_CREDENTIALS", await CodeOf(response));
    }

    [Fact]
    public async Task HealthAndUnknownRoutes_NeedNoCredentials()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/health")).StatusCode);
        var missing = await _server.Client.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("NOT_FOUND", await CodeOf(missing));
    }
}
