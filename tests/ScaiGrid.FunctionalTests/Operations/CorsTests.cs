using System.Net;
using ScaiGrid.Core.Modules;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>CORS from SCAIGRID_CORS_*: preflights answered before authentication, nothing allowed by default.</summary>
public sealed class CorsTests
{
    private const string AppOrigin = "https://app.example.com";

    private static Task<ScaiGridServer> StartAsync(bool configured)
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = "sample";
        if (configured)
        {
            env["SCAIGRID_CORS_ORIGINS"] = AppOrigin + ", https://admin.example.com";
            env["SCAIGRID_CORS_METHODS"] = "GET,POST";
            env["SCAIGRID_CORS_HEADERS"] = "Authorization,Content-Type";
            env["SCAIGRID_CORS_MAX_AGE_S"] = "120";
        }

        return ScaiGridServer.StartAsync(env, new ModuleCatalog([new SampleModule()]));
    }

    private static HttpRequestMessage Preflight(string origin, string method, string? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/v1/modules/sample/notes/x");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    [Fact]
    public async Task Preflight_AllowedOrigin_IsAnsweredWithoutCredentials()
    {
        await using var server = await StartAsync(configured: true);
        using var request = Preflight(AppOrigin, "POST", "authorization,content-type");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(AppOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        var allowedHeaders = Header(response, "Access-Control-Allow-Headers")!.ToLowerInvariant();
        Assert.Contains("authorization", allowedHeaders, StringComparison.Ordinal);
        Assert.Contains("content-type", allowedHeaders, StringComparison.Ordinal);
        Assert.Equal("120", Header(response, "Access-Control-Max-Age"));
    }

    [Theory]
    [InlineData("https://evil.example.com", "POST", null)]
    [InlineData(AppOrigin, "DELETE", null)]
    [InlineData(AppOrigin, "POST", "x-secret-header")]
    public async Task Preflight_NotAllowed_Is204WithoutTheMatchingAllowHeader_Not401(string origin, string method, string? headers)
    {
        await using var server = await StartAsync(configured: true);
        using var request = Preflight(origin, method, headers);

        using var response = await server.Client.SendAsync(request);

        // ASP.NET answers every preflight itself; a refusal is the absence of the allow header that matters.
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var allowed = Header(response, "Access-Control-Allow-Origin") == origin
                      && (Header(response, "Access-Control-Allow-Methods") ?? string.Empty).Contains(method, StringComparison.Ordinal)
                      && (headers is null || (Header(response, "Access-Control-Allow-Headers") ?? string.Empty).Contains(headers, StringComparison.OrdinalIgnoreCase));
        Assert.False(allowed);
    }

    [Fact]
    public async Task SimpleRequest_FromAllowedOrigin_CarriesAllowOriginAndExposedHeaders()
    {
        await using var server = await StartAsync(configured: true);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", AppOrigin);

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(AppOrigin, Header(response, "Access-Control-Allow-Origin"));
        var exposed = Header(response, "Access-Control-Expose-Headers")!;
        Assert.Contains("X-Request-ID", exposed, StringComparison.Ordinal);
        Assert.Contains("X-ScaiGrid-Overhead-Ms", exposed, StringComparison.Ordinal);
        Assert.Contains("X-RateLimit-Remaining-Requests", exposed, StringComparison.Ordinal);
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task SimpleRequest_FromOtherOrigin_GetsNoCorsHeaders()
    {
        await using var server = await StartAsync(configured: true);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", "https://evil.example.com");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Default_AllowsNoOrigin_ButStillAnswersPreflightsBeforeAuthentication()
    {
        await using var server = await StartAsync(configured: false);
        using var preflight = Preflight(AppOrigin, "GET");
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/health");
        simple.Headers.Add("Origin", AppOrigin);

        using var preflightResponse = await server.Client.SendAsync(preflight);
        using var simpleResponse = await server.Client.SendAsync(simple);

        Assert.Equal(HttpStatusCode.NoContent, preflightResponse.StatusCode);
        Assert.Null(Header(preflightResponse, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflightResponse, "Access-Control-Allow-Methods"));
        Assert.Null(Header(simpleResponse, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Credentials_WhenEnabled_AreAllowedForListedOrigins()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_CORS_ORIGINS"] = AppOrigin;
        env["SCAIGRID_CORS_CREDENTIALS"] = "true";
        await using var server = await ScaiGridServer.StartAsync(env);
        using var request = Preflight(AppOrigin, "GET");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal(AppOrigin, Header(response, "Access-Control-Allow-Origin"));
    }
}
