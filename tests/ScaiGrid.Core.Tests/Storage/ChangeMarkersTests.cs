using System.Security.Cryptography;
using LinqToDB;
using Microsoft.Extensions.Logging.Abstractions;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Events;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.Core.Tests.Storage;

/// <summary>Periodic refreshes skip what no writer marked as changed; writers mark; the safety net still reloads.</summary>
public sealed class ChangeMarkersTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task CredentialCache_PeriodicRefresh_ReloadsOnlyAfterTheIdentityMarkerMoved(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var cache = new CredentialCache(db.Database, new ModuleRuntime([]));
        await cache.RefreshAsync(CancellationToken.None);
        var first = await cache.GetAsync(CancellationToken.None);
        await InsertKeyAsync(db, "hash-written-without-a-marker");

        var skipped = await cache.RefreshIfChangedAsync(CancellationToken.None);
        var afterSkip = await cache.GetAsync(CancellationToken.None);
        await using (var dc = db.Database.Open())
        {
            await ChangeMarkers.BumpAsync(dc, [IdentityEvents.Topic], CancellationToken.None);
        }

        var reloaded = await cache.RefreshIfChangedAsync(CancellationToken.None);
        var afterBump = await cache.GetAsync(CancellationToken.None);

        Assert.False(skipped);
        Assert.Same(first, afterSkip);
        Assert.DoesNotContain("hash-written-without-a-marker", afterSkip.ApiKeys.Keys);
        Assert.True(reloaded);
        Assert.Equal(first.Generation + 1, afterBump.Generation);
        Assert.Contains("hash-written-without-a-marker", afterBump.ApiKeys.Keys);
    }

    [Fact]
    public async Task CredentialCache_ForcedRefresh_AlwaysReloads()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var cache = new CredentialCache(db.Database, new ModuleRuntime([]));
        await cache.RefreshAsync(CancellationToken.None);
        await InsertKeyAsync(db, "hash-seen-by-a-forced-refresh");

        await cache.RefreshAsync(CancellationToken.None);

        Assert.Contains("hash-seen-by-a-forced-refresh", (await cache.GetAsync(CancellationToken.None)).ApiKeys.Keys);
    }

    [Fact]
    public async Task CatalogRefresher_Tick_SkipsUnmarkedCatalogs_ReloadsOnABumpAndAfterTheSafetyNet()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var time = new ManualTimeProvider();
        var models = new CountingCatalog("models.changed");
        var unmarked = new CountingCatalog("module.sample.changed");
        using var bus = new InProcessEventBus(NullLogger<InProcessEventBus>.Instance);
        var refresher = new CatalogRefresher([models, unmarked], bus, db.Database, time, NullLogger<CatalogRefresher>.Instance);
        await refresher.RunAsync(CancellationToken.None);

        await refresher.TickAsync(CancellationToken.None);
        var quiet = (models.Loads, unmarked.Loads);
        await using (var dc = db.Database.Open())
        {
            await ChangeMarkers.BumpAsync(dc, ["models.changed"], CancellationToken.None);
        }

        await refresher.TickAsync(CancellationToken.None);
        await refresher.TickAsync(CancellationToken.None);
        var bumped = models.Loads;
        time.Advance(ChangeMarkers.SafetyNet);
        await refresher.TickAsync(CancellationToken.None);

        Assert.Equal((1, 2), quiet);   // the marked catalog skipped; a topic without a marker reloads every tick
        Assert.Equal(2, bumped);       // reloaded once for the bump, then quiet again
        Assert.Equal(3, models.Loads); // the safety net
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task ConfigApplier_ChangingApply_BumpsEveryMarker_UnchangedOrDryRunBumpsNone(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var applier = new ConfigApplier(db.Database, new SecretProtector(RandomNumberGenerator.GetBytes(32)), new CredentialHasher(RandomNumberGenerator.GetBytes(32)));
        const string Yaml = """
            partners:
              - slug: acme
                tenants:
                  - slug: acme-prod
            """;
        var before = await ChangeMarkers.ReadAsync(db.Database, CancellationToken.None);

        await applier.ApplyAsync(Yaml, _ => null, dryRun: true, CancellationToken.None);
        var afterDryRun = await ChangeMarkers.ReadAsync(db.Database, CancellationToken.None);
        await applier.ApplyAsync(Yaml, _ => null, dryRun: false, CancellationToken.None);
        var afterApply = await ChangeMarkers.ReadAsync(db.Database, CancellationToken.None);
        await applier.ApplyAsync(Yaml, _ => null, dryRun: false, CancellationToken.None);
        var afterReapply = await ChangeMarkers.ReadAsync(db.Database, CancellationToken.None);

        Assert.Equal(ChangeMarkers.Topics.Order(), before.Keys.Order());
        Assert.Equal(before, afterDryRun);
        Assert.All(ChangeMarkers.Topics, topic => Assert.Equal(before[topic] + 1, afterApply[topic]));
        Assert.Equal(afterApply, afterReapply);
    }

    private static async Task InsertKeyAsync(TestDatabase db, string hash)
    {
        await using var dc = db.Database.Open();
        var userId = Ids.New("usr");
        await dc.InsertAsync(new UserRow { Id = userId, TenantId = DefaultTenancy.TenantId, Email = userId + "@example.test", CreatedAt = 1, UpdatedAt = 1 });
        await dc.InsertAsync(new ApiKeyRow { Id = Ids.New("key"), TenantId = DefaultTenancy.TenantId, UserId = userId, Name = "k", LookupPrefix = hash[..8], KeyHash = hash, CreatedAt = 1 });
    }

    private sealed class CountingCatalog(string topic) : ICachedCatalog
    {
        public int Loads { get; private set; }

        public string Topic => topic;

        public Task ReloadAsync(CancellationToken cancellationToken)
        {
            Loads++;
            return Task.CompletedTask;
        }
    }
}
