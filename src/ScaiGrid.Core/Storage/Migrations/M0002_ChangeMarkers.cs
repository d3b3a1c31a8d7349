using FluentMigrator;

namespace ScaiGrid.Core.Storage.Migrations;

/// <summary>
/// One row per invalidation topic (<c>identity</c>, <c>models</c>, <c>limits</c>) whose generation every
/// writer of that topic's tables bumps: replicas compare it on their periodic refresh and skip reloading
/// what has not changed (with 100,000 API keys a reload is seconds of work). See <see cref="ChangeMarkers"/>.
/// </summary>
[Migration(2026112401, "change markers: skip unchanged periodic reloads")]
public sealed class M0002_ChangeMarkers : Migration
{
    public override void Up()
    {
        Create.Table("change_markers")
            .WithColumn("name").AsString(64).PrimaryKey()
            .WithColumn("generation").AsInt64().NotNullable()
            .WithColumn("changed_at").AsInt64().NotNullable();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Spelled out, not read from ChangeMarkers.Topics: a migration must mean the same thing forever.
        foreach (var topic in new[] { "identity.changed", "models.changed", "limits.changed" })
        {
            Insert.IntoTable("change_markers").Row(new { name = topic, generation = 0L, changed_at = now });
        }
    }

    public override void Down() => Delete.Table("change_markers");
}
