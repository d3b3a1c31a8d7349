using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage.Migrations;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.Core.Tests.Storage;

public sealed class SchemaMigratorTests
{
    private static ModuleRuntime Runtime(params string[] enabled) =>
        ModuleRuntime.Create(new ModuleCatalog([new SampleModule(), new DependentModule(), new FailingModule()]), enabled);

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task MigrateUp_FreshDatabase_CreatesSchemaAndDefaultTenancy(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine, migrate: false);

        var report = db.CreateMigrator().MigrateUp([MigrationStream.Core]);

        var core = Assert.Single(report.Streams);
        Assert.Equal(StreamOutcome.Applied, core.Outcome);
        Assert.Equal(SchemaMigrator.KnownVersions(MigrationStream.Core), core.AppliedVersions);
        await using var connection = db.Database.Open();
        var tenant = await connection.GetTable<TenantRow>().SingleAsync();
        Assert.Equal(DefaultTenancy.TenantSlug, tenant.Slug);
        Assert.Equal(DefaultTenancy.PartnerId, tenant.PartnerId);
        Assert.Equal(1, await connection.GetTable<PartnerRow>().CountAsync());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task MigrateUp_FailingModule_OthersApplyAndDependentsOfTheFailureAreSkipped(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine, migrate: false);
        var failingDependent = new MigrationStream("needs_failing", "scaigrid_version_mod_needs_failing", typeof(SampleModule).Assembly, "ScaiGrid.Modules.Sample.DependentMigrations", ["failing"]);
        var streams = Runtime("sample", "failing", "dependent").Streams.Append(failingDependent).ToList();

        var report = db.CreateMigrator().MigrateUp(streams);

        Assert.Equal(
            [("core", StreamOutcome.Applied), ("sample", StreamOutcome.Applied), ("failing", StreamOutcome.Failed), ("dependent", StreamOutcome.Applied), ("needs_failing", StreamOutcome.Skipped)],
            report.Streams.Select(s => (s.StreamId, s.Outcome)));
        Assert.False(report.Succeeded);
        Assert.Equal([1L, 2L], report.Streams[1].AppliedVersions);
        Assert.Contains("'failing' failed", report.Streams[4].Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task MigrateUp_SecondRun_ChangesNothing(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine, migrate: false);
        var streams = Runtime("sample", "dependent").Streams;
        var migrator = db.CreateMigrator();
        Assert.True(migrator.MigrateUp(streams).Succeeded);
        var before = await VersionRowsAsync(db, streams);

        var again = migrator.MigrateUp(streams);

        Assert.All(again.Streams, s => Assert.Equal(StreamOutcome.UpToDate, s.Outcome));
        Assert.Equal(before, await VersionRowsAsync(db, streams));
        Assert.All(await migrator.GetStatusAsync(streams, CancellationToken.None), s => Assert.True(s.Current));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task GetStatus_Unmigrated_ReportsEveryVersionPending(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine, migrate: false);

        var statuses = await db.CreateMigrator().GetStatusAsync(Runtime("sample").Streams, CancellationToken.None);

        Assert.Equal(SchemaMigrator.KnownVersions(MigrationStream.Core), statuses[0].Pending);
        Assert.Equal([1L, 2L], statuses[1].Pending);
        Assert.Null(statuses[1].Applied);
    }

    private static async Task<List<string>> VersionRowsAsync(TestDatabase db, IReadOnlyList<MigrationStream> streams)
    {
        await using var connection = db.Database.Open();
        var rows = new List<string>();
        foreach (var s in streams)
        {
            var versions = await connection.QueryToListAsync<long>($"SELECT version FROM {s.VersionTable} ORDER BY version");
            rows.AddRange(versions.Select(v => $"{s.VersionTable}:{v}"));
        }

        return rows;
    }
}
