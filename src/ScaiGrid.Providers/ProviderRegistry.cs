using System.Diagnostics.CodeAnalysis;
using System.Collections.Frozen;
using ScaiGrid.Abstractions.Providers;

namespace ScaiGrid.Providers;

/// <summary>
/// Finds the provider that speaks a <see cref="ProviderTypes"/> dialect. Built once from every
/// registered <see cref="IProvider"/>, so a new provider only needs its DI line, never an edit here.
/// </summary>
public sealed class ProviderRegistry
{
    private readonly FrozenDictionary<string, IProvider> _byType;

    public ProviderRegistry(IEnumerable<IProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var byType = new Dictionary<string, IProvider>(StringComparer.Ordinal);
        foreach (var provider in providers)
        {
            if (byType.TryGetValue(provider.Type, out var existing))
            {
                // The same class registered twice is harmless; two classes claiming one dialect is a bug.
                if (existing.GetType() != provider.GetType())
                {
                    throw new InvalidOperationException(
                        $"Provider type '{provider.Type}' is claimed by both {existing.GetType().Name} and {provider.GetType().Name}.");
                }

                continue;
            }

            byType.Add(provider.Type, provider);
        }

        _byType = byType.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The provider types that have an implementation.</summary>
    public IEnumerable<string> Types => _byType.Keys;

    public bool TryGet(string type, [NotNullWhen(true)] out IProvider? provider) =>
        _byType.TryGetValue(type, out provider);

    /// <summary>The provider of <paramref name="type"/> if it implements capability <typeparamref name="TCapability"/>.</summary>
    public bool TryGet<TCapability>(string type, [NotNullWhen(true)] out TCapability? provider)
        where TCapability : class, IProvider
    {
        provider = _byType.TryGetValue(type, out var p) ? p as TCapability : null;
        return provider is not null;
    }
}
