using System.Diagnostics;
using System.Net;
using System.Text;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>A chat streamed end to end: client → nginx (deploy/nginx/scaigrid.conf, TLS) → ScaiGrid → fake OpenAI.</summary>
public sealed class NginxChatStreamTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;
    private NginxFixture _nginx = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayWithFakes.StartAsync();
        _nginx = await NginxFixture.StartAsync($"127.0.0.1:{_gateway.Server.BaseAddress.Port}");
    }

    public async Task DisposeAsync()
    {
        await _nginx.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task ChatStream_ThroughNginx_ArrivesChunkByChunk()
    {
        const int chunks = 5;
        const int delayMs = 300;
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromMilliseconds(delayMs), Chunks = chunks, Text = "abcdefghijklmnopqrst" });
        using var client = _nginx.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat")
        {
            Content = new StringContent("""{"model":"test/openai","stream":true,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var deltas = new List<TimeSpan>();
        var names = new List<string>();
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    names.Add(line[7..]);
                    if (line == "event: delta")
                    {
                        deltas.Add(clock.Elapsed);
                    }
                }
            }
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("start", names[0]);
        Assert.Equal("done", names[^1]);
        Assert.Equal(chunks, deltas.Count);
        var spread = deltas[^1] - deltas[0];
        Assert.True(spread >= TimeSpan.FromMilliseconds((chunks - 1) * delayMs * 0.7), $"deltas arrived within {spread}: {string.Join(", ", deltas.Select(d => d.TotalMilliseconds))}");
    }
}
