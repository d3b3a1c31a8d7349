using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>With SCAIGRID_OTLP_ENDPOINT set, the real executable exports request spans to the collector.</summary>
public sealed class OtlpExportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OtlpHttp_RequestSpanWithRequestIdReachesCollector_FlushedOnShutdown()
    {
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        var collectorPort = Ports.FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{collectorPort}");
        await using var collector = builder.Build();
        collector.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path.Value!, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();

        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_OTLP_ENDPOINT"] = $"http://127.0.0.1:{collectorPort}";
        env["SCAIGRID_OTLP_PROTOCOL"] = "http/protobuf";
        var port = Ports.FreeLoopbackPort();
        await using var process = ScaiGridProcess.Start(env, "serve", "--urls", $"http://127.0.0.1:{port}");
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        await Ports.WaitUntilAnsweringAsync(new Uri(baseUrl, "health/live"), Bound, () => process.HasExited);
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = Bound };
        var requestId = "otlp-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/nope");
        request.Headers.Add("X-Request-ID", requestId);

        using var response = await client.SendAsync(request);
        process.Terminate();
        await process.WaitForExitAsync(Bound);

        Assert.Equal(0, process.ExitCode);
        var traces = received.Where(r => r.Path == "/v1/traces").Select(r => Encoding.UTF8.GetString(r.Body)).ToList();
        Assert.NotEmpty(traces);
        // OTLP protobuf carries strings as raw UTF-8, so the attribute key and value are visible in the bytes.
        Assert.Contains(traces, t => t.Contains("scaigrid.request_id", StringComparison.Ordinal) && t.Contains(requestId, StringComparison.Ordinal));
        Assert.DoesNotContain(traces, t => t.Contains("/health/live", StringComparison.Ordinal));
    }
}
