using ScaiGrid.Core.Draining;

namespace ScaiGrid.Core.Tests.Draining;

public sealed class DrainStateTests
{
    [Fact]
    public async Task Begin_WithNothingInFlight_IsIdleAtOnce()
    {
        var drain = new DrainState();

        Assert.True(drain.Begin("test"));

        Assert.True(drain.IsDraining);
        Assert.True(drain.Idle.IsCompletedSuccessfully);
        Assert.Equal("test", await drain.Requested);
    }

    [Fact]
    public async Task Begin_Twice_OnlyFirstStarts()
    {
        var drain = new DrainState();

        Assert.True(drain.Begin("SIGTERM"));
        Assert.False(drain.Begin("admin"));
        Assert.Equal("SIGTERM", await drain.Requested);
    }

    [Fact]
    public void InFlight_KeepsDrainBusyUntilLastExit_AndNewEntriesAreRefused()
    {
        var drain = new DrainState();
        Assert.True(drain.TryEnter());
        Assert.True(drain.TryEnter());

        drain.Begin("test");

        Assert.False(drain.TryEnter());
        Assert.Equal(2, drain.InFlight);
        drain.Exit();
        Assert.False(drain.Idle.IsCompleted);
        drain.Exit();
        Assert.True(drain.Idle.IsCompletedSuccessfully);
        Assert.Equal(0, drain.InFlight);
    }

    [Fact]
    public async Task ConcurrentEntriesAndDrain_NeverLoseACount()
    {
        var drain = new DrainState();
        var admitted = 0;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                if (drain.TryEnter())
                {
                    Interlocked.Increment(ref admitted);
                    drain.Exit();
                }
            }
        })).ToList();
        await Task.Delay(5);
        drain.Begin("test");
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, drain.InFlight);
        Assert.True(drain.Idle.IsCompletedSuccessfully);
        Assert.False(drain.TryEnter());
    }
}
