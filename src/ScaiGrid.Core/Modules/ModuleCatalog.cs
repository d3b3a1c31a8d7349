using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using ScaiGrid.Abstractions.Modules;

namespace ScaiGrid.Core.Modules;

/// <summary>
/// The modules this binary can run: those compiled in, plus any found in <c>SCAIGRID_MODULE_PATH</c>
/// (assemblies holding public <see cref="IScaiGridModule"/> types with a parameterless constructor).
/// Which of them run is <c>SCAIGRID_MODULES</c>' choice — nothing is enabled implicitly.
/// </summary>
public sealed partial class ModuleCatalog
{
    private readonly Dictionary<string, IScaiGridModule> _modules = new(StringComparer.Ordinal);

    public ModuleCatalog(IEnumerable<IScaiGridModule>? builtIn = null)
    {
        foreach (var module in builtIn ?? [])
        {
            Add(module);
        }
    }

    public IReadOnlyCollection<IScaiGridModule> All => _modules.Values;

    public bool TryGet(string id, out IScaiGridModule module) => _modules.TryGetValue(id, out module!);

    public void Add(IScaiGridModule module)
    {
        if (!ModuleIdPattern().IsMatch(module.Id))
        {
            throw new ModuleConfigurationException($"module id '{module.Id}' is invalid (expected [a-z][a-z0-9_]*, at most 50 characters)");
        }

        if (!_modules.TryAdd(module.Id, module))
        {
            throw new ModuleConfigurationException($"two modules have the id '{module.Id}'");
        }
    }

    /// <summary>Loads every <c>*.dll</c> of <paramref name="directory"/> and adds the modules it declares.</summary>
    public void LoadFrom(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ModuleConfigurationException($"module path '{directory}' does not exist");
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            Assembly assembly;
            var name = AssemblyName.GetAssemblyName(file);
            // Shared assemblies (the SDK, the framework) stay in the default context so types unify.
            var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(a.GetName(), name));
            if (loaded is not null)
            {
                continue;
            }

            assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.GetFullPath(file));
            foreach (var type in assembly.GetExportedTypes())
            {
                if (type is { IsClass: true, IsAbstract: false } && typeof(IScaiGridModule).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null)
                {
                    Add((IScaiGridModule)Activator.CreateInstance(type)!);
                }
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")]
    private static partial Regex ModuleIdPattern();
}

/// <summary>A module set that cannot start: unknown id, missing dependency, cycle. One clear line.</summary>
public sealed class ModuleConfigurationException(string message) : Exception(message);
