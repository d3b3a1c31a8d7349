using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Servers;
using static ScaiGrid.FunctionalTests.RateLimiting.RateLimitFixtures;

namespace ScaiGrid.FunctionalTests.RateLimiting;

/// <summary>Rate limits end to end on the embedded default: real server, SQLite, in-process counters.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private IServiceProvider Services => _gateway.Server.Services;

    private Task ReloadLimitsAsync() => Services.GetRequiredService<RateLimitCatalog>().ReloadAsync(CancellationToken.None);

    [Fact]
    public async Task Chat_TenantLimitOf60Rpm_Admits60AndRejectsThe61stWithRetryAfter()
    {
        await InsertAsync(Services.GetRequiredService<ScaiGridDatabase>(), RateLimitScopes.Tenant, DefaultTenancy.TenantId, 60, null);
        await ReloadLimitsAsync();
        await EnsureWindowHeadroomAsync(TimeSpan.FromSeconds(25));

        for (var i = 1; i <= 60; i++)
        {
            using var ok = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(60, Header(ok, RateLimitingMiddleware.LimitHeader));
            Assert.Equal(60 - i, Header(ok, RateLimitingMiddleware.RemainingHeader));
            Assert.InRange(Header(ok, RateLimitingMiddleware.ResetHeader), 1, 60);
        }

        using var rejected = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());

        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("RATE_LIMITED", (await ErrorOf(rejected)).GetProperty("code").GetString());
        var retryAfter = (int)rejected.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        Assert.InRange(retryAfter, 1, 60);
        Assert.InRange(retryAfter, SecondsLeftInWindow() - 1, SecondsLeftInWindow() + 1);
        Assert.Equal(60, Header(rejected, RateLimitingMiddleware.LimitHeader));
        Assert.Equal(0, Header(rejected, RateLimitingMiddleware.RemainingHeader));
        Assert.Equal(retryAfter, Header(rejected, RateLimitingMiddleware.ResetHeader));
        Assert.Equal(60, _gateway.OpenAI.CallCount);
    }

    [Fact]
    public async Task Chat_TokensRecordedPastTpm_RejectsTheNextRequestBeforeTheUpstream()
    {
        await InsertAsync(Services.GetRequiredService<ScaiGridDatabase>(), RateLimitScopes.User, AuthenticationMiddleware.DevAdminUserId, null, 100);
        await ReloadLimitsAsync();
        await EnsureWindowHeadroomAsync(TimeSpan.FromSeconds(10));
        using var first = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(100, Header(first, RateLimitingMiddleware.LimitHeader));
        Assert.Equal(100, Header(first, RateLimitingMiddleware.RemainingHeader));

        var caller = new CallerContext
        {
            PartnerId = DefaultTenancy.PartnerId,
            TenantId = DefaultTenancy.TenantId,
            UserId = AuthenticationMiddleware.DevAdminUserId,
            Kind = CallerKind.DevAdmin,
            Roles = new HashSet<string> { Roles.PlatformAdmin },
            Permissions = new HashSet<string>(),
        };
        await Services.GetRequiredService<RateLimiter>().RecordTokensAsync(caller, 60, CancellationToken.None);
        using var second = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        // Settled requests count too: the first chat's 12 + 7 tokens and the 60 recorded by hand.
        Assert.Equal(21, Header(second, RateLimitingMiddleware.RemainingHeader));

        await Services.GetRequiredService<RateLimiter>().RecordTokensAsync(caller, 45, CancellationToken.None);
        using var third = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var error = await ErrorOf(third);
        Assert.Equal("RATE_LIMITED", error.GetProperty("code").GetString());
        Assert.Equal("tpm", error.GetProperty("details").GetProperty("limit_type").GetString());
        Assert.Equal(0, Header(third, RateLimitingMiddleware.RemainingHeader));
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal(2, _gateway.OpenAI.CallCount);
    }

    [Fact]
    public async Task Chat_NoLimitConfigured_SendsNoRateLimitHeaders()
    {
        using var response = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains(RateLimitingMiddleware.LimitHeader));
    }

    [Fact]
    public async Task Models_OutsideTheLimitedPaths_IsNeitherCountedNorLimited()
    {
        await InsertAsync(Services.GetRequiredService<ScaiGridDatabase>(), RateLimitScopes.Partner, DefaultTenancy.PartnerId, 1, null);
        await ReloadLimitsAsync();
        await EnsureWindowHeadroomAsync(TimeSpan.FromSeconds(10));

        for (var i = 0; i < 3; i++)
        {
            using var models = await _gateway.Client.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
            Assert.False(models.Headers.Contains(RateLimitingMiddleware.LimitHeader));
        }

        using var first = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());
        using var second = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
    }

    [Fact]
    public async Task ChangedEvent_NewLimit_IsEnforcedWithoutRestart()
    {
        await InsertAsync(Services.GetRequiredService<ScaiGridDatabase>(), RateLimitScopes.Tenant, DefaultTenancy.TenantId, 7, null);

        await Services.GetRequiredService<IEventBus>().PublishAsync(RateLimitEvents.Changed, JsonDocument.Parse("{}").RootElement);

        var catalog = Services.GetRequiredService<RateLimitCatalog>();
        // Generous: under a full parallel suite on two cores the event handler may wait for a thread.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (catalog.Current.Tenants.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        using var response = await _gateway.Client.PostAsync("/v1/inference/chat", Chat());
        Assert.Equal(7, Header(response, RateLimitingMiddleware.LimitHeader));
    }
}
