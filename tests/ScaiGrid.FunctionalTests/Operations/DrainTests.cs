using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>The real <c>scaigrid</c> executable draining: SIGTERM or the admin endpoint, streams finish, exit 0.</summary>
public sealed class DrainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sigterm_StreamInFlightCompletes_NewRequestsGet503_ExitsZeroWithinGrace()
    {
        await using var server = await StartAsync(graceSeconds: 20);
        using var client = new HttpClient { BaseAddress = server.BaseUrl, Timeout = Bound };
        var stream = ReadStreamAsync(client, chunks: 8, delayMs: 250);
        await stream.FirstChunk.WaitAsync(Bound);

        var signalled = Stopwatch.StartNew();
        server.Process.Terminate();
        var refused = await GetUntilDrainingAsync(client, "/v1/modules/sample/hello");
        using var health = await client.GetAsync("/health");
        using var live = await client.GetAsync("/health/live");
        var chunks = await stream.Completed.WaitAsync(Bound);
        await server.Process.WaitForExitAsync(Bound);
        signalled.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("SERVICE_DRAINING", refused.Code);
        Assert.Equal("1", refused.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        using (var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync()))
        {
            Assert.Equal("not_ready", body.RootElement.GetProperty("status").GetString());
            Assert.True(body.RootElement.GetProperty("checks").GetProperty("drain").GetProperty("draining").GetBoolean());
        }

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"{{\"chunk\":{i}}}").Append("[DONE]"), chunks);
        Assert.Equal(0, server.Process.ExitCode);
        // Exited as soon as the stream ended, well inside the 20 s grace period.
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(15), $"took {signalled.Elapsed}");
        Assert.Contains("Draining (SIGTERM)", server.Process.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_StreamOutlastingGrace_ProcessStillExitsZeroAfterGrace()
    {
        await using var server = await StartAsync(graceSeconds: 2);
        using var client = new HttpClient { BaseAddress = server.BaseUrl, Timeout = Bound };
        var stream = ReadStreamAsync(client, chunks: 100, delayMs: 200);
        await stream.FirstChunk.WaitAsync(Bound);

        var signalled = Stopwatch.StartNew();
        server.Process.Terminate();
        await server.Process.WaitForExitAsync(Bound);
        signalled.Stop();

        Assert.Equal(0, server.Process.ExitCode);
        Assert.InRange(signalled.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(12));
        Assert.Contains("grace period over", server.Process.Stdout, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => stream.Completed.WaitAsync(Bound));
    }

    [Fact]
    public async Task AdminDrain_BehavesLikeSigterm()
    {
        await using var server = await StartAsync(graceSeconds: 20);
        using var client = new HttpClient { BaseAddress = server.BaseUrl, Timeout = Bound };
        var stream = ReadStreamAsync(client, chunks: 6, delayMs: 250);
        await stream.FirstChunk.WaitAsync(Bound);

        using var drain = await client.PostAsync("/v1/admin/drain", null);
        var refused = await GetUntilDrainingAsync(client, "/v1/modules/sample/hello");
        var chunks = await stream.Completed.WaitAsync(Bound);
        await server.Process.WaitForExitAsync(Bound);

        Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
        using (var body = JsonDocument.Parse(await drain.Content.ReadAsStringAsync()))
        {
            Assert.True(body.RootElement.GetProperty("draining").GetBoolean());
            Assert.Equal(20, body.RootElement.GetProperty("grace_s").GetInt32());
        }

        Assert.Equal("SERVICE_DRAINING", refused.Code);
        Assert.Equal(7, chunks.Count);
        Assert.Equal(0, server.Process.ExitCode);
        Assert.Contains("Draining (admin)", server.Process.Stdout, StringComparison.Ordinal);
    }

    private sealed record Refusal(HttpStatusCode Status, string? Code, string? RetryAfter);

    /// <summary>The signal is asynchronous: poll (bounded) until the replica refuses.</summary>
    private static async Task<Refusal> GetUntilDrainingAsync(HttpClient client, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var code = body.RootElement.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
                return new Refusal(response.StatusCode, code, response.Headers.RetryAfter?.ToString());
            }

            await Task.Delay(50);
        }
    }

    private sealed record StreamRead(Task FirstChunk, Task<List<string>> Completed);

    private static StreamRead ReadStreamAsync(HttpClient client, int chunks, int delayMs)
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<List<string>> ReadAsync()
        {
            try
            {
                using var response = await client.GetAsync($"/v1/modules/sample/stream?chunks={chunks}&delay_ms={delayMs}", HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var data = new List<string>();
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data.Add(line[6..]);
                        first.TrySetResult();
                    }
                }

                if (data.LastOrDefault() != "[DONE]")
                {
                    throw new IOException("the stream ended before [DONE]");
                }

                return data;
            }
            catch (Exception ex)
            {
                first.TrySetException(ex);
                throw;
            }
        }

        return new StreamRead(first.Task, ReadAsync());
    }

    private sealed class Started(ScaiGridProcess process, Uri baseUrl) : IAsyncDisposable
    {
        public ScaiGridProcess Process { get; } = process;

        public Uri BaseUrl { get; } = baseUrl;

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    private static async Task<Started> StartAsync(int graceSeconds)
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        env["SCAIGRID_MODULE_PATH"] = SampleModuleDirectory.Create();
        env["SCAIGRID_MODULES"] = "sample";
        env["SCAIGRID_DRAIN_GRACE_S"] = graceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var port = Ports.FreeLoopbackPort();
        var process = ScaiGridProcess.Start(env, "serve", "--urls", $"http://127.0.0.1:{port}");
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            await Ports.WaitUntilAnsweringAsync(new Uri(baseUrl, "health/live"), Bound, () => process.HasExited);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new Started(process, baseUrl);
    }
}
