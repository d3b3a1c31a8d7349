using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Dispatch;
using ScaiGrid.Core.Models;

namespace ScaiGrid.Core.Routing;

/// <summary>
/// Frontend slug → an ordered list of backends to try. <c>priority</c>: tiers by ascending priority, and
/// inside a tier a weighted random order; <c>weighted</c>: one tier over all backends, by weight. Backends
/// whose circuit is open are left out; weight 0 means "only when nothing else is left" (a cold standby).
/// </summary>
public sealed class RoutingService(ModelCatalog catalog, CircuitBreakerRegistry breakers)
{
    public const string WeightedStrategy = "weighted";

    /// <summary>The frontend model the caller may use, or <c>MODEL_NOT_FOUND</c> (also for models of other tenants).</summary>
    public FrontendEntry Resolve(string slug, CallerContext caller)
    {
        if (catalog.TryGet(slug, out var entry) && entry.IsVisibleTo(caller))
        {
            return entry;
        }

        throw new ScaiGridException(ErrorCodes.ModelNotFound, $"Model '{slug}' is not available.", "model");
    }

    /// <summary>
    /// The backends to try, in order, that have <paramref name="capability"/>. Throws
    /// <c>CAPABILITY_NOT_SUPPORTED</c> when none has it and <c>BACKEND_UNAVAILABLE</c> when all are open.
    /// </summary>
    public IReadOnlyList<RouteEntry> Plan(FrontendEntry model, string capability, Random? random = null)
    {
        if (model.Routes.Count == 1)
        {
            // The common case, one backend: the catalog's own immutable route list is the plan — no lists per request.
            var only = model.Routes[0].Backend;
            if (!only.Capabilities.Contains(capability))
            {
                throw NotSupported(model, capability);
            }

            return breakers.For(only.Id).IsAvailable ? model.Routes : throw Unavailable(model);
        }

        random ??= Random.Shared;
        var capable = new List<RouteEntry>(model.Routes.Count);
        foreach (var route in model.Routes)
        {
            if (route.Backend.Capabilities.Contains(capability))
            {
                capable.Add(route);
            }
        }

        if (capable.Count == 0)
        {
            throw NotSupported(model, capability);
        }

        var available = new List<RouteEntry>(capable.Count);
        foreach (var route in capable)
        {
            if (breakers.For(route.Backend.Id).IsAvailable)
            {
                available.Add(route);
            }
        }

        if (available.Count == 0)
        {
            throw Unavailable(model);
        }

        if (string.Equals(model.Strategy, WeightedStrategy, StringComparison.Ordinal))
        {
            return WeightedOrder(available, random);
        }

        var ordered = new List<RouteEntry>(available.Count);
        var start = 0;
        while (start < available.Count)
        {
            // Routes come sorted by priority from the catalog; each run of equal priority is one tier.
            var end = start;
            while (end < available.Count && available[end].Priority == available[start].Priority)
            {
                end++;
            }

            ordered.AddRange(WeightedOrder(available.GetRange(start, end - start), random));
            start = end;
        }

        return ordered;
    }

    private static ScaiGridException NotSupported(FrontendEntry model, string capability) =>
        new(ErrorCodes.CapabilityNotSupported, $"Model '{model.Slug}' does not support {capability}.", "model");

    private static ScaiGridException Unavailable(FrontendEntry model) =>
        new(ErrorCodes.BackendUnavailable, $"Every backend of '{model.Slug}' is unavailable; retry later.") { RetryAfterSeconds = 5 };

    /// <summary>Weighted random order without replacement: each next pick is random by the remaining weights.</summary>
    internal static List<RouteEntry> WeightedOrder(List<RouteEntry> routes, Random random)
    {
        if (routes.Count == 1)
        {
            return routes;
        }

        var remaining = new List<RouteEntry>(routes);
        var result = new List<RouteEntry>(routes.Count);
        while (remaining.Count > 0)
        {
            long total = 0;
            foreach (var r in remaining)
            {
                total += Math.Max(0, r.Weight);
            }

            var index = 0;
            if (total > 0)
            {
                var pick = random.NextInt64(total);
                for (; index < remaining.Count; index++)
                {
                    pick -= Math.Max(0, remaining[index].Weight);
                    if (pick < 0)
                    {
                        break;
                    }
                }
            }

            result.Add(remaining[index]);
            remaining.RemoveAt(index);
        }

        return result;
    }
}
