using System.Reflection;
using FluentMigrator.Runner.VersionTableInfo;

namespace ScaiGrid.Core.Storage.Migrations;

/// <summary>
/// One independent migration stream: the core, or one module. Each has its own version table, so a
/// module's history never mixes with another's (seeds: "its own migration stream").
/// </summary>
public sealed record MigrationStream(string Id, string VersionTable, Assembly Assembly, string Namespace, IReadOnlyList<string> DependsOn)
{
    public const string CoreId = "core";

    public static MigrationStream Core { get; } = new(
        CoreId, "scaigrid_version_core", typeof(M0001_CoreSchema).Assembly, typeof(M0001_CoreSchema).Namespace!, []);

    public static string ModuleVersionTable(string moduleId) => $"scaigrid_version_mod_{moduleId}";
}

/// <summary>FluentMigrator's version table, renamed per stream.</summary>
internal sealed class StreamVersionTable(string tableName) : IVersionTableMetaData
{
    public bool OwnsSchema => false;

    public string SchemaName => string.Empty;

    public string TableName => tableName;

    public string ColumnName => "version";

    public string DescriptionColumnName => "description";

    public string UniqueIndexName => $"ux_{tableName}_version";

    public string AppliedOnColumnName => "applied_on";

    public bool CreateWithPrimaryKey => false;
}
