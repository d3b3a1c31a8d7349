using ScaiGrid.Core.RateLimiting;

namespace ScaiGrid.Core.Tests.RateLimiting;

public sealed class RateLimiterTests
{
    [Theory]
    [InlineData(0, 60)]
    [InlineData(1, 60)]
    [InlineData(59_000, 1)]
    [InlineData(59_999, 1)]
    [InlineData(30_500, 30)]
    public void ResetSeconds_WithinWindow_SecondsUntilTheMinuteEnds(long offsetMs, int expected)
    {
        const long window = 29_000_000;

        Assert.Equal(expected, RateLimiter.ResetSeconds((window * RateLimiter.WindowMs) + offsetMs, window));
    }
}
