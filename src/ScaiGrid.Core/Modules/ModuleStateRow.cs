using LinqToDB.Mapping;

namespace ScaiGrid.Core.Modules;

/// <summary>What the database knows of a module: the version last initialised and its own small state.</summary>
[Table("module_state")]
public sealed class ModuleStateRow
{
    [PrimaryKey, Column("module_id")] public string ModuleId { get; set; } = string.Empty;
    [Column("is_enabled")] public bool IsEnabled { get; set; }
    [Column("version"), NotNull] public string Version { get; set; } = string.Empty;
    [Column("state_json"), Nullable] public string? StateJson { get; set; }
    [Column("updated_at")] public long UpdatedAt { get; set; }
}
