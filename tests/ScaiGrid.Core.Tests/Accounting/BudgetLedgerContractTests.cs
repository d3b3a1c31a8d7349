using ScaiGrid.Core.Accounting;
using ScaiGrid.Testing;
using ScaiGrid.Testing.Databases;
using StackExchange.Redis;

namespace ScaiGrid.Core.Tests.Accounting;

/// <summary>The same contract for the in-process ledger and the Redis ledger (a real Redis server).</summary>
public abstract class BudgetLedgerContractTests : IAsyncLifetime
{
    protected IBudgetLedger Ledger { get; set; } = null!;

    protected ManualTimeProvider Time { get; } = new();

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private LedgerLine Line(string name, long limit, long threshold = 0) => new($"{_run}:{name}", limit, threshold, TimeSpan.FromHours(1));

    private string Id(string name) => $"{_run}:{name}";

    public abstract Task InitializeAsync();

    /// <summary>How many reservations (held or lapsed) the ledger still keeps whose id starts with <paramref name="idPrefix"/>.</summary>
    protected abstract Task<int> KeptReservationsAsync(string idPrefix);

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Reserve_UnseededCounter_AsksForASeed()
    {
        var result = await Ledger.ReserveAsync(Id("r1"), [Line("a", 100)], 10, TimeSpan.FromMinutes(1));

        Assert.Equal(ReserveStatus.NeedsSeed, result.Status);
        Assert.Equal(0, result.Line);
    }

    [Fact]
    public async Task Reserve_CountsCommittedAndReservedAgainstTheLimit()
    {
        var line = Line("a", 100);
        await Ledger.SeedAsync(line.CounterKey, 60, null);

        Assert.Equal(ReserveStatus.Reserved, (await Ledger.ReserveAsync(Id("r1"), [line], 30, TimeSpan.FromMinutes(1))).Status);
        Assert.Equal(ReserveStatus.Exceeded, (await Ledger.ReserveAsync(Id("r2"), [line], 11, TimeSpan.FromMinutes(1))).Status);
        Assert.Equal(ReserveStatus.Reserved, (await Ledger.ReserveAsync(Id("r3"), [line], 10, TimeSpan.FromMinutes(1))).Status);
        Assert.Equal((60L, 40L), await Ledger.ReadAsync(line.CounterKey));
    }

    [Fact]
    public async Task Reserve_OneLevelExceeded_ChangesNoLevel()
    {
        var key = Line("key", 1000);
        var tenant = Line("tenant", 50);
        await Ledger.SeedAsync(key.CounterKey, 0, null);
        await Ledger.SeedAsync(tenant.CounterKey, 45, null);

        var result = await Ledger.ReserveAsync(Id("r1"), [key, tenant], 10, TimeSpan.FromMinutes(1));

        Assert.Equal(new ReserveResult(ReserveStatus.Exceeded, 1), result);
        Assert.Equal((0L, 0L), await Ledger.ReadAsync(key.CounterKey));
        Assert.Equal((45L, 0L), await Ledger.ReadAsync(tenant.CounterKey));
    }

    [Fact]
    public async Task Settle_ReleasesTheReservationAndCommitsTheActualCostOnce()
    {
        var line = Line("a", 100);
        await Ledger.SeedAsync(line.CounterKey, 0, null);
        await Ledger.ReserveAsync(Id("r1"), [line], 40, TimeSpan.FromMinutes(1));

        await Ledger.SettleAsync(Id("r1"), [line], 13);
        await Ledger.SettleAsync(Id("r1"), [line], 13);

        Assert.Equal((13L, 0L), await Ledger.ReadAsync(line.CounterKey));
    }

    [Fact]
    public async Task Settle_CrossingTheSoftThreshold_IsReportedOnce()
    {
        var line = Line("a", 100, threshold: 80);
        await Ledger.SeedAsync(line.CounterKey, 70, null);
        foreach (var id in new[] { "r1", "r2", "r3" })
        {
            await Ledger.ReserveAsync(Id(id), [line], 5, TimeSpan.FromMinutes(1));
        }

        Assert.Empty(await Ledger.SettleAsync(Id("r1"), [line], 5));
        Assert.Equal([0], await Ledger.SettleAsync(Id("r2"), [line], 5));
        Assert.Empty(await Ledger.SettleAsync(Id("r3"), [line], 5));
    }

    [Fact]
    public async Task Settle_OfAnIdNeverReserved_CommitsNothing()
    {
        var line = Line("a", 100);
        await Ledger.SeedAsync(line.CounterKey, 10, null);

        Assert.Empty(await Ledger.SettleAsync(Id("ghost"), [line], 50));

        Assert.Equal((10L, 0L), await Ledger.ReadAsync(line.CounterKey));
    }

    [Fact]
    public async Task SettledReservations_AreForgotten_SoTheLedgerDoesNotGrowWithTraffic()
    {
        var line = Line("a", long.MaxValue / 2);
        await Ledger.SeedAsync(line.CounterKey, 0, null);

        for (var i = 0; i < 2_000; i++)
        {
            Assert.Equal(ReserveStatus.Reserved, (await Ledger.ReserveAsync(Id("t" + i), [line], 3, TimeSpan.FromMinutes(1))).Status);
            await Ledger.SettleAsync(Id("t" + i), [line], 2);
        }

        Assert.Equal(0, await KeptReservationsAsync(Id("t")));
        Assert.Equal((4_000L, 0L), await Ledger.ReadAsync(line.CounterKey));
    }

    [Fact]
    public async Task LapsedReservation_IsKeptForItsLateSettle_ThenForgotten()
    {
        var line = Line("a", 100);
        await Ledger.SeedAsync(line.CounterKey, 0, null);
        await Ledger.ReserveAsync(Id("slow"), [line], 40, TimeSpan.FromSeconds(30));
        await Ledger.ReserveAsync(Id("never"), [line], 40, TimeSpan.FromSeconds(30));

        Time.Advance(TimeSpan.FromSeconds(31));
        // At least: a shared Redis may hold other tests' expired reservations too.
        Assert.True(await Ledger.ReclaimExpiredAsync() >= 2);
        await Ledger.ReclaimExpiredAsync();
        Assert.Equal((0L, 0L), await Ledger.ReadAsync(line.CounterKey));
        Assert.Equal(2, await KeptReservationsAsync(Id("")));

        await Ledger.SettleAsync(Id("slow"), [line], 7);
        await Ledger.SettleAsync(Id("slow"), [line], 7);
        Assert.Equal((7L, 0L), await Ledger.ReadAsync(line.CounterKey));
        Assert.Equal(1, await KeptReservationsAsync(Id("")));

        await ForgetLapsedAsync(Id(""));
        Assert.Equal(0, await KeptReservationsAsync(Id("")));
        Assert.Empty(await Ledger.SettleAsync(Id("never"), [line], 9));
        Assert.Equal((7L, 0L), await Ledger.ReadAsync(line.CounterKey));
    }

    /// <summary>Lets the lapsed-reservation retention pass, however the ledger measures it.</summary>
    protected abstract Task ForgetLapsedAsync(string idPrefix);

    [Fact]
    public async Task Concurrent_Reservations_NeverPassTheLimit()
    {
        var line = Line("a", 1_000);
        await Ledger.SeedAsync(line.CounterKey, 0, null);

        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Ledger.ReserveAsync(Id("c" + i), [line], 7, TimeSpan.FromMinutes(1)).AsTask()));

        Assert.Equal(1_000 / 7, results.Count(r => r.Status == ReserveStatus.Reserved));
        var (committed, reserved) = await Ledger.ReadAsync(line.CounterKey);
        Assert.True(committed + reserved <= 1_000);
    }

    [Fact]
    public async Task ReclaimExpired_ReleasesReservationsOfDeadRequests()
    {
        var line = Line("a", 100);
        await Ledger.SeedAsync(line.CounterKey, 0, null);
        await Ledger.ReserveAsync(Id("dead"), [line], 60, TimeSpan.FromSeconds(30));
        Assert.Equal(ReserveStatus.Exceeded, (await Ledger.ReserveAsync(Id("blocked"), [line], 60, TimeSpan.FromSeconds(30))).Status);

        Time.Advance(TimeSpan.FromSeconds(31));
        var reclaimed = await Ledger.ReclaimExpiredAsync();

        Assert.True(reclaimed >= 1);
        Assert.Equal((0L, 0L), await Ledger.ReadAsync(line.CounterKey));
        Assert.Equal(ReserveStatus.Reserved, (await Ledger.ReserveAsync(Id("later"), [line], 60, TimeSpan.FromSeconds(30))).Status);
        await Ledger.SettleAsync(Id("dead"), [line], 5);
        Assert.Equal((5L, 60L), await Ledger.ReadAsync(line.CounterKey));
    }
}

public sealed class InMemoryBudgetLedgerTests : BudgetLedgerContractTests
{
    public override Task InitializeAsync()
    {
        Ledger = new InMemoryBudgetLedger(Time);
        return Task.CompletedTask;
    }

    // One ledger per test, so everything it keeps belongs to this test.
    protected override Task<int> KeptReservationsAsync(string idPrefix) => Task.FromResult(((InMemoryBudgetLedger)Ledger).TrackedReservations);

    protected override async Task ForgetLapsedAsync(string idPrefix)
    {
        Time.Advance(BudgetLedgerLimits.LapsedRetention);
        await Ledger.ReclaimExpiredAsync();
    }
}

public sealed class RedisBudgetLedgerTests : BudgetLedgerContractTests
{
    private ConnectionMultiplexer? _redis;

    public override async Task InitializeAsync()
    {
        var url = new Uri(TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable));
        _redis = await ConnectionMultiplexer.ConnectAsync($"{url.Host}:{url.Port}");
        Ledger = new RedisBudgetLedger(_redis, Time);
    }

    protected override async Task<int> KeptReservationsAsync(string idPrefix)
    {
        var server = _redis!.GetServers()[0];
        // Every key naming one of these requests, whatever its kind; the budget counters ("c:") are not per request.
        var keys = 0;
        await foreach (var key in server.KeysAsync(pattern: "sg:{sg-budget}:*" + idPrefix + "*"))
        {
            if (!key.ToString().StartsWith("sg:{sg-budget}:c:", StringComparison.Ordinal))
            {
                keys++;
            }
        }

        return keys;
    }

    // Redis expires the tombstone by its own clock: drop its TTL to 1 ms instead of waiting a day.
    protected override async Task ForgetLapsedAsync(string idPrefix)
    {
        var server = _redis!.GetServers()[0];
        var db = _redis.GetDatabase();
        await foreach (var key in server.KeysAsync(pattern: "sg:{sg-budget}:r:" + idPrefix + "*"))
        {
            if (await db.StringGetAsync(key) == "lapsed")
            {
                Assert.True(await db.KeyTimeToLiveAsync(key) > TimeSpan.FromHours(23), "a lapsed reservation must be kept about a day");
                await db.KeyExpireAsync(key, TimeSpan.FromMilliseconds(1));
            }
        }

        await Task.Delay(50);
    }

    public override async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
