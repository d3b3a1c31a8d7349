using ScaiGrid.Abstractions.Modules;

namespace ScaiGrid.Core.Modules;

/// <summary>Resolves the enabled modules into dependency order (dependencies first).</summary>
public static class ModuleOrdering
{
    /// <summary>
    /// Orders <paramref name="enabledIds"/> so each module follows its dependencies. Unknown ids,
    /// dependencies that are not enabled, and cycles are start-up errors naming the modules involved.
    /// </summary>
    public static IReadOnlyList<IScaiGridModule> Resolve(ModuleCatalog catalog, IReadOnlyList<string> enabledIds)
    {
        var enabled = new Dictionary<string, IScaiGridModule>(StringComparer.Ordinal);
        foreach (var id in enabledIds)
        {
            if (!catalog.TryGet(id, out var module))
            {
                var known = catalog.All.Count == 0 ? "none are installed" : "installed: " + string.Join(", ", catalog.All.Select(m => m.Id).Order(StringComparer.Ordinal));
                throw new ModuleConfigurationException($"SCAIGRID_MODULES: unknown module '{id}' ({known})");
            }

            enabled.TryAdd(id, module);
        }

        foreach (var module in enabled.Values)
        {
            foreach (var dependency in module.DependsOn)
            {
                if (!enabled.ContainsKey(dependency))
                {
                    throw new ModuleConfigurationException($"SCAIGRID_MODULES: module '{module.Id}' depends on '{dependency}', which is not enabled");
                }
            }
        }

        // Kahn's algorithm; ties keep the order the operator listed the modules in.
        var indegree = enabled.Values.ToDictionary(m => m.Id, m => m.DependsOn.Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var ordered = new List<IScaiGridModule>(enabled.Count);
        var ready = new List<string>(enabledIds.Where(id => indegree.TryGetValue(id, out var d) && d == 0).Distinct(StringComparer.Ordinal));
        while (ready.Count > 0)
        {
            var id = ready[0];
            ready.RemoveAt(0);
            ordered.Add(enabled[id]);
            foreach (var dependent in enabledIds.Distinct(StringComparer.Ordinal).Where(d => enabled[d].DependsOn.Contains(id, StringComparer.Ordinal)))
            {
                if (--indegree[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        if (ordered.Count != enabled.Count)
        {
            var cycle = enabled.Keys.Where(id => indegree[id] > 0).Order(StringComparer.Ordinal);
            throw new ModuleConfigurationException($"SCAIGRID_MODULES: modules depend on each other in a cycle: {string.Join(", ", cycle)}");
        }

        return ordered;
    }
}
