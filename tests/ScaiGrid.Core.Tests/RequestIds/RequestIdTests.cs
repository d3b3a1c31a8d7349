using ScaiGrid.Core.RequestIds;

namespace ScaiGrid.Core.Tests.RequestIds;

public sealed class RequestIdTests
{
    [Theory]
    [InlineData("req_abc123", true)]
    [InlineData("3f2b9c1e-7a44-4d0e-9f0a-1b2c3d4e5f60", true)]
    [InlineData("trace:span.1", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("inject\r\nX-Evil: 1", false)]
    [InlineData("ünïcode", false)]
    public void IsWellFormed_AcceptsOnlySafeIds(string id, bool expected) => Assert.Equal(expected, RequestIdMiddleware.IsWellFormed(id));

    [Fact]
    public void IsWellFormed_TooLong_IsRejected()
    {
        Assert.True(RequestIdMiddleware.IsWellFormed(new string('a', 128)));
        Assert.False(RequestIdMiddleware.IsWellFormed(new string('a', 129)));
    }
}
