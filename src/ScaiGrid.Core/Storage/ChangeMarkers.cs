using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.Mapping;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Models;

namespace ScaiGrid.Core.Storage;

/// <summary>A topic's change counter (table <c>change_markers</c>).</summary>
[Table("change_markers")]
public sealed class ChangeMarkerRow
{
    [PrimaryKey, Column("name")] public string Name { get; set; } = string.Empty;
    [Column("generation")] public long Generation { get; set; }
    [Column("changed_at")] public long ChangedAt { get; set; }
}

/// <summary>
/// Change markers let a replica's periodic refresh skip an unchanged catalog. Every write path that changes
/// a topic's tables bumps its marker — admin mutations (<see cref="Admin.AdminContext.MutateAsync{T}"/>, which
/// the CLI uses too) and <c>scaigrid apply</c> / the config file applied at start (<see cref="Configuration.Declarative.ConfigApplier"/>).
/// A refresh reads the marker before it loads, so a change committed during a load is seen on the next tick.
/// Events still reload at once; the marker replaces only the blind periodic reload, and a full reload still
/// happens every <see cref="SafetyNet"/>, for a change no writer marked (a bump lost to a crash between the
/// change and its bump, or rows edited by hand).
/// </summary>
public static class ChangeMarkers
{
    /// <summary>However quiet the markers, a catalog is reloaded at least this often.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(5);

    /// <summary>The topics with a marker: the event topics of the core catalogs.</summary>
    public static readonly string[] Topics = [IdentityEvents.Topic, ModelEvents.Changed, BudgetCatalog.ChangedTopic];

    /// <summary>Adds one to the generation of each of <paramref name="topics"/> that has a marker (others are ignored).</summary>
    public static async Task BumpAsync(DataConnection db, IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var now = UnixMs.Now();
        foreach (var topic in topics.Distinct(StringComparer.Ordinal))
        {
            await db.GetTable<ChangeMarkerRow>()
                .Where(m => m.Name == topic)
                .Set(m => m.Generation, m => m.Generation + 1)
                .Set(m => m.ChangedAt, now)
                .UpdateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every marker's generation, by topic: one small query for all catalogs.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReadAsync(ScaiGridDatabase database, CancellationToken cancellationToken)
    {
        await using var db = database.Open();
        return await db.GetTable<ChangeMarkerRow>()
            .ToDictionaryAsync(m => m.Name, m => m.Generation, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a periodic refresh may skip a catalog: its topic has a marker, the marker still has the
    /// generation the catalog last loaded at, and the last load is younger than <see cref="SafetyNet"/>.
    /// </summary>
    public static bool Unchanged(IReadOnlyDictionary<string, long> markers, string topic, long? loadedGeneration, DateTimeOffset loadedAt, DateTimeOffset now) =>
        loadedGeneration is { } loaded
        && markers.TryGetValue(topic, out var current)
        && current == loaded
        && now - loadedAt < SafetyNet;
}
