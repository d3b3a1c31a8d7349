using System.Net;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Foundation;

/// <summary>
/// <c>scaigrid apply</c> run beside a live server: with Redis it tells the server at once (the server's own
/// safety-net refresh is 30 s, far beyond what these tests wait); without Redis it says when changes apply.
/// </summary>
public sealed class ApplyInvalidationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static async Task<(string File, string Key)> KeyFileAsync(Dictionary<string, string?> env)
    {
        var key = "sgk_applied_" + Guid.NewGuid().ToString("N");
        var file = Path.Combine(env["SCAIGRID_DATA_DIR"]!, "new-key.yaml");
        await File.WriteAllTextAsync(file, $$"""
            partners:
              - slug: default
                tenants:
                  - slug: default
                    users:
                      - email: applied@example.test
                        roles: [member]
                        api_keys:
                          - name: applied
                            key: "{{key}}"
            """);
        return (file, key);
    }

    private static async Task<HttpStatusCode> ModelsStatusAsync(ScaiGridServer server, string key)
    {
        using var client = server.CreateClient(key);
        using var response = await client.GetAsync("/v1/models");
        return response.StatusCode;
    }

    [Fact]
    public async Task Apply_WithRedis_ANewKeyWorksOnTheRunningServerWithinSeconds()
    {
        await using var db = await TestDatabase.CreateAsync("mariadb");
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);
        env["SCAIGRID_REDIS_URL"] = TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable);
        await using var server = await ScaiGridServer.StartAsync(env);
        var (file, key) = await KeyFileAsync(env);
        Assert.Equal(HttpStatusCode.Unauthorized, await ModelsStatusAsync(server, key));

        await using var apply = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", file);

        Assert.True(apply.ExitCode == 0, apply.Stderr);
        Assert.Contains("told running servers to reload", apply.Stdout, StringComparison.Ordinal);
        var until = DateTime.UtcNow.AddSeconds(5);
        var status = HttpStatusCode.Unauthorized;
        while (DateTime.UtcNow < until && (status = await ModelsStatusAsync(server, key)) != HttpStatusCode.OK)
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Apply_WithoutRedis_SaysWhenRunningServersSeeTheChanges_AndNothingWhenNothingChanged()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var env = ScaiGridServer.EmbeddedEnvironment(db.UrlString);
        var (file, _) = await KeyFileAsync(env);

        await using var first = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", file);
        await using var again = await ScaiGridProcess.RunAsync(env, Bound, "apply", "-f", file);

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("pick the changes up within 30 s", first.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain("pick the changes up", again.Stdout, StringComparison.Ordinal);
    }
}
