using System.Collections.Frozen;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.Routing;
using ScaiGrid.Testing;

namespace ScaiGrid.Core.Tests.Routing;

public sealed class RoutingServiceTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly CircuitBreakerRegistry _breakers;
    private readonly RoutingService _routing;

    public RoutingServiceTests()
    {
        _breakers = new CircuitBreakerRegistry(new DispatchOptions { BreakerConsecutiveFailures = 1 }, _time);
        _routing = new RoutingService(null!, _breakers);
    }

    private static RouteEntry Route(string id, int priority, int weight, params string[] capabilities) => new(
        new BackendEntry(id, new ProviderTarget { ProviderId = "p", ProviderType = ProviderTypes.OpenAI, BaseUrl = new Uri("http://127.0.0.1"), UpstreamModel = id, BackendId = id },
            (capabilities.Length == 0 ? ["chat", "stream"] : capabilities).ToFrozenSet(), 0, 0, 0, null, null),
        priority,
        weight);

    private static FrontendEntry Model(string strategy, params RouteEntry[] routes) =>
        new("fm_1", "team/chat", null, null, strategy, routes.OrderBy(r => r.Priority).ThenBy(r => r.Backend.Id, StringComparer.Ordinal).ToList(), null, null, null);

    [Fact]
    public void Plan_Weighted70To30_LandsWithinFivePointsOver1000Calls()
    {
        var model = Model("weighted", Route("a", 1, 70), Route("b", 1, 30));
        var random = new Random(20261123);

        var firstA = Enumerable.Range(0, 1000).Count(_ => _routing.Plan(model, "chat", random)[0].Backend.Id == "a");

        Assert.InRange(firstA / 10.0, 65.0, 75.0);
    }

    [Fact]
    public void Plan_Weighted_OrdersEveryBackendSoFailoverCanReachThem()
    {
        var plan = _routing.Plan(Model("weighted", Route("a", 1, 70), Route("b", 5, 30)), "chat", new Random(1));

        Assert.Equal(["a", "b"], plan.Select(r => r.Backend.Id).Order());
    }

    [Fact]
    public void Plan_PriorityTiers_LowestFirstWithWeightsInsideATier()
    {
        var model = Model("priority", Route("standby", 3, 100), Route("a", 1, 50), Route("b", 1, 50), Route("c", 2, 100));
        var random = new Random(7);
        var firsts = new HashSet<string>();

        for (var i = 0; i < 200; i++)
        {
            var plan = _routing.Plan(model, "chat", random).Select(r => r.Backend.Id).ToList();
            Assert.Equal(["a", "b"], plan.Take(2).Order());
            Assert.Equal(["c", "standby"], plan.Skip(2));
            firsts.Add(plan[0]);
        }

        Assert.Equal(["a", "b"], firsts.Order());
    }

    [Fact]
    public void Plan_OpenBreaker_LeavesThatBackendOut()
    {
        _breakers.For("a").RecordFailure();

        var plan = _routing.Plan(Model("priority", Route("a", 1, 100), Route("b", 2, 100)), "chat");

        Assert.Equal(["b"], plan.Select(r => r.Backend.Id));
    }

    [Fact]
    public void Plan_AllBreakersOpen_IsBackendUnavailable()
    {
        _breakers.For("a").RecordFailure();

        var ex = Assert.Throws<ScaiGridException>(() => _routing.Plan(Model("priority", Route("a", 1, 100)), "chat"));

        Assert.Equal(ErrorCodes.BackendUnavailable, ex.Code);
    }

    [Fact]
    public void Plan_NoBackendHasTheCapability_IsCapabilityNotSupported()
    {
        var ex = Assert.Throws<ScaiGridException>(() => _routing.Plan(Model("priority", Route("a", 1, 100, "chat")), "embeddings"));

        Assert.Equal(ErrorCodes.CapabilityNotSupported, ex.Code);
    }

    [Fact]
    public void Plan_OneAvailableBackend_IsTheCatalogsOwnRouteList()
    {
        var model = Model("priority", Route("a", 1, 100));

        Assert.Same(model.Routes, _routing.Plan(model, "chat"));
    }

    [Fact]
    public void Plan_TwoBackends_AllOpenOrIncapable_NameTheSameErrorsAsOne()
    {
        var model = Model("priority", Route("a", 1, 100, "chat"), Route("b", 2, 100, "chat"));
        var incapable = Assert.Throws<ScaiGridException>(() => _routing.Plan(model, "embeddings"));
        _breakers.For("a").RecordFailure();
        _breakers.For("b").RecordFailure();

        var unavailable = Assert.Throws<ScaiGridException>(() => _routing.Plan(model, "chat"));

        Assert.Equal(ErrorCodes.CapabilityNotSupported, incapable.Code);
        Assert.Equal(ErrorCodes.BackendUnavailable, unavailable.Code);
        Assert.Equal(5, unavailable.RetryAfterSeconds);
    }

    [Fact]
    public void Plan_ZeroWeight_IsUsedOnlyAfterTheOthers()
    {
        var plans = Enumerable.Range(0, 100).Select(i => _routing.Plan(Model("weighted", Route("cold", 1, 0), Route("hot", 1, 10)), "chat", new Random(i))[0].Backend.Id);

        Assert.All(plans, id => Assert.Equal("hot", id));
    }
}
