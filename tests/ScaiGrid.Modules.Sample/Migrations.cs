using FluentMigrator;

namespace ScaiGrid.Modules.Sample.Migrations
{
    [Migration(1, "sample notes")]
    public sealed class CreateNotes : Migration
    {
        public override void Up() => Create.Table("sample_notes").WithColumn("text").AsString(200).NotNullable();

        public override void Down() => Delete.Table("sample_notes");
    }

    [Migration(2, "sample index")]
    public sealed class IndexNotes : Migration
    {
        public override void Up() => Create.Index("ix_sample_notes_text").OnTable("sample_notes").OnColumn("text");

        public override void Down() => Delete.Index("ix_sample_notes_text").OnTable("sample_notes");
    }
}

namespace ScaiGrid.Modules.Sample.DependentMigrations
{
    [Migration(1, "dependent table")]
    public sealed class CreateDependent : Migration
    {
        public override void Up() => Create.Table("dependent_items").WithColumn("id").AsInt32().PrimaryKey();

        public override void Down() => Delete.Table("dependent_items");
    }
}

namespace ScaiGrid.Modules.Sample.FailingMigrations
{
    [Migration(1, "always fails")]
    public sealed class Broken : Migration
    {
        public override void Up() => Execute.Sql("THIS IS NOT SQL");

        public override void Down()
        {
        }
    }
}
