using System.Diagnostics;
using System.Net;
using ScaiGrid.Core.Modules;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>
/// deploy/nginx/scaigrid.conf, run by Debian's nginx with TLS on loopback, in front of a real ScaiGrid:
/// streams pass chunk by chunk, request ids pass both ways, plain HTTP redirects.
/// </summary>
public sealed class NginxTests : IAsyncLifetime
{
    private ScaiGridServer _server = null!;
    private NginxFixture _nginx = null!;

    public async Task InitializeAsync()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        env["SCAIGRID_MODULES"] = "sample";
        _server = await ScaiGridServer.StartAsync(env, new ModuleCatalog([new SampleModule()]));
        _nginx = await NginxFixture.StartAsync($"127.0.0.1:{_server.BaseAddress.Port}");
    }

    public async Task DisposeAsync()
    {
        await _nginx.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task SseStream_ThroughNginxOverTls_ArrivesIncrementally_WithRequestIdBothWays()
    {
        const int chunks = 5;
        const int delayMs = 300;
        using var client = _nginx.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/modules/sample/stream?chunks={chunks}&delay_ms={delayMs}");
        request.Headers.Add("X-Request-ID", "nginx-stream-42");

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var arrivals = new List<(string Data, TimeSpan At)>();
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    arrivals.Add((line[6..], clock.Elapsed));
                }
            }
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nginx-stream-42", Assert.Single(response.Headers.GetValues("X-Request-ID")));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(chunks + 1, arrivals.Count);
        Assert.Equal("[DONE]", arrivals[^1].Data);
        // Buffered, every chunk would arrive together at the end; streamed, they follow the upstream's pace.
        var spread = arrivals[chunks - 1].At - arrivals[0].At;
        Assert.True(spread >= TimeSpan.FromMilliseconds((chunks - 1) * delayMs * 0.7), $"chunks arrived within {spread} of each other: {string.Join(", ", arrivals.Select(a => a.At.TotalMilliseconds))}");
        for (var i = 1; i < chunks; i++)
        {
            Assert.True(arrivals[i].At - arrivals[i - 1].At >= TimeSpan.FromMilliseconds(delayMs * 0.5), $"chunk {i} came {arrivals[i].At - arrivals[i - 1].At} after the one before");
        }
    }

    [Fact]
    public async Task RequestWithoutId_GetsNginxGeneratedIdEchoedByScaiGrid()
    {
        using var client = _nginx.CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = Assert.Single(response.Headers.GetValues("X-Request-ID"));
        // nginx's $request_id (32 hex digits), not ScaiGrid's own req_… form: nginx made it and passed it on.
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.True(response.Headers.Contains("X-ScaiGrid-Overhead-Ms"));
    }

    [Fact]
    public async Task PlainHttp_RedirectsToHttps()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _nginx.HttpBaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.GetAsync("/v1/modules/sample/hello?x=1");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.StartsWith("https://", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("/v1/modules/sample/hello?x=1", response.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBody_IsRefusedByNginx_AtTheConfiguredLimit()
    {
        using var client = _nginx.CreateClient();
        using var content = new ByteArrayContent(new byte[(32 * 1024 * 1024) + 1]);

        using var response = await client.PostAsync("/v1/modules/sample/echo", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
