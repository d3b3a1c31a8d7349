using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Draining;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>Who may drain: platform admins only, even though tenant admins also hold admin:access.</summary>
public sealed class DrainEndpointTests
{
    private const string TenantAdminToken = "tenant-admin-token";
    private const string PlatformAdminToken = "platform-admin-token";

    /// <summary>Two fixed callers, so the test needs no key store.</summary>
    private sealed class FixedAuthenticator : ICallerAuthenticator
    {
        public ValueTask<CallerContext?> AuthenticateAsync(string token, HttpContext context) => ValueTask.FromResult(token switch
        {
            TenantAdminToken => Caller(Roles.TenantAdmin),
            PlatformAdminToken => Caller(Roles.PlatformAdmin),
            _ => null,
        });

        private static CallerContext Caller(string role) => new()
        {
            PartnerId = DefaultTenancy.PartnerId,
            TenantId = DefaultTenancy.TenantId,
            UserId = "usr_" + role,
            Kind = CallerKind.ServiceToken,
            Roles = new HashSet<string>(StringComparer.Ordinal) { role },
            Permissions = new HashSet<string>(StringComparer.Ordinal) { Permissions.AdminAccess },
        };
    }

    private static Task<ScaiGridServer> StartAsync()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = "sample";
        return ScaiGridServer.StartAsync(env, new ModuleCatalog([new SampleModule()]), b => b.Services.AddSingleton<ICallerAuthenticator, FixedAuthenticator>());
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString();

    [Fact]
    public async Task Drain_WithoutCredentials_Is401_AndDoesNotDrain()
    {
        await using var server = await StartAsync();

        using var response = await server.Client.PostAsync("/v1/admin/drain", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(server.Services.GetRequiredService<DrainState>().IsDraining);
    }

    [Fact]
    public async Task Drain_AsTenantAdmin_Is403_AndDoesNotDrain()
    {
        await using var server = await StartAsync();
        using var client = server.CreateClient(TenantAdminToken);

        using var response = await client.PostAsync("/v1/admin/drain", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("PERMISSION_DENIED", await CodeOf(response));
        Assert.False(server.Services.GetRequiredService<DrainState>().IsDraining);
    }

    [Fact]
    public async Task Drain_AsPlatformAdmin_Drains_ThenHealthIsNotReadyAndRequestsAre503()
    {
        await using var server = await StartAsync();
        using var client = server.CreateClient(PlatformAdminToken);
        // A stream held open keeps the drained server up (it stops when nothing is in flight) while we look.
        using var holdOpen = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await client.GetAsync("/v1/modules/sample/stream?chunks=100&delay_ms=200", HttpCompletionOption.ResponseHeadersRead, holdOpen.Token);

        using var drain = await client.PostAsync("/v1/admin/drain", null);
        using var health = await client.GetAsync("/health");
        using var live = await client.GetAsync("/health/live");
        using var refused = await client.PostAsync("/v1/admin/drain", null);

        Assert.Equal(HttpStatusCode.Accepted, drain.StatusCode);
        Assert.True(server.Services.GetRequiredService<DrainState>().IsDraining);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("SERVICE_DRAINING", await CodeOf(refused));
        Assert.True(refused.Headers.ConnectionClose);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await holdOpen.CancelAsync();
    }
}
