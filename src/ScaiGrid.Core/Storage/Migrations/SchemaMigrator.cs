using System.Diagnostics;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Initialization;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Storage;

namespace ScaiGrid.Core.Storage.Migrations;

public enum StreamOutcome
{
    Applied,
    UpToDate,
    Failed,
    Skipped,
}

public sealed record StreamResult(string StreamId, StreamOutcome Outcome, IReadOnlyList<long> AppliedVersions, string? Error);

public sealed record MigrationReport(IReadOnlyList<StreamResult> Streams)
{
    public bool Succeeded => Streams.All(s => s.Outcome is StreamOutcome.Applied or StreamOutcome.UpToDate);
}

/// <summary>Per stream: the versions this binary knows and the ones the database has applied.</summary>
public sealed record StreamStatus(string StreamId, long? Latest, long? Applied, IReadOnlyList<long> Pending)
{
    public bool Current => Pending.Count == 0;
}

/// <summary>
/// Runs the migration streams — core first, then each module in dependency order. A failing module
/// stream is reported and skips only the modules that depend on it; a second run changes nothing.
/// </summary>
public sealed class SchemaMigrator(ScaiGridDatabase database, ILogger<SchemaMigrator> logger)
{
    public MigrationReport MigrateUp(IReadOnlyList<MigrationStream> streams)
    {
        var results = new List<StreamResult>();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stream in streams)
        {
            var blockedBy = stream.DependsOn.FirstOrDefault(failed.Contains);
            if (blockedBy is not null || (stream.Id != MigrationStream.CoreId && failed.Contains(MigrationStream.CoreId)))
            {
                failed.Add(stream.Id);
                var reason = $"skipped: '{blockedBy ?? MigrationStream.CoreId}' failed to migrate";
                logger.LogError("Migration stream {Stream} {Reason}", stream.Id, reason);
                results.Add(new StreamResult(stream.Id, StreamOutcome.Skipped, [], reason));
                continue;
            }

            var result = RunStream(stream);
            if (result.Outcome == StreamOutcome.Failed)
            {
                failed.Add(stream.Id);
            }

            results.Add(result);
        }

        return new MigrationReport(results);
    }

    /// <summary>Compares each stream's known versions with its version table, without changing anything.</summary>
    public async Task<IReadOnlyList<StreamStatus>> GetStatusAsync(IReadOnlyList<MigrationStream> streams, CancellationToken cancellationToken)
    {
        var statuses = new List<StreamStatus>(streams.Count);
        await using var db = database.Open();
        foreach (var stream in streams)
        {
            var known = KnownVersions(stream);
            IReadOnlyList<long> applied;
            try
            {
                applied = await db.QueryToListAsync<long>($"SELECT version FROM {stream.VersionTable}", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException)
            {
                // No version table yet: nothing applied.
                applied = [];
            }

            var appliedSet = applied.ToHashSet();
            var pending = known.Where(v => !appliedSet.Contains(v)).ToList();
            statuses.Add(new StreamStatus(stream.Id, known.Count == 0 ? null : known.Max(), applied.Count == 0 ? null : applied.Max(), pending));
        }

        return statuses;
    }

    /// <summary>The migration versions a stream declares, found by the same type scan FluentMigrator uses.</summary>
    public static IReadOnlyList<long> KnownVersions(MigrationStream stream) =>
        stream.Assembly.GetTypes()
            .Where(t => string.Equals(t.Namespace, stream.Namespace, StringComparison.Ordinal) && typeof(FluentMigrator.IMigration).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => t.GetCustomAttributes(typeof(FluentMigrator.MigrationAttribute), false).OfType<FluentMigrator.MigrationAttribute>().FirstOrDefault()?.Version)
            .Where(v => v is not null)
            .Select(v => v!.Value)
            .Order()
            .ToList();

    private StreamResult RunStream(MigrationStream stream)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var services = BuildRunnerServices(stream);
            using var scope = services.CreateScope();
            var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
            var loader = scope.ServiceProvider.GetRequiredService<IVersionLoader>();
            var before = loader.VersionInfo.AppliedMigrations().ToHashSet();
            if (!runner.HasMigrationsToApplyUp())
            {
                logger.LogInformation("Migration stream {Stream} is up to date", stream.Id);
                return new StreamResult(stream.Id, StreamOutcome.UpToDate, [], null);
            }

            runner.MigrateUp();
            loader.LoadVersionInfo();
            var applied = loader.VersionInfo.AppliedMigrations().Where(v => !before.Contains(v)).Order().ToList();
            logger.LogInformation("Migration stream {Stream} applied {Versions} in {Ms} ms", stream.Id, string.Join(", ", applied), watch.ElapsedMilliseconds);
            return new StreamResult(stream.Id, StreamOutcome.Applied, applied, null);
        }
        catch (Exception ex)
        {
            var message = (ex.InnerException ?? ex).Message.ReplaceLineEndings(" ");
            logger.LogError(ex, "Migration stream {Stream} failed: {Error}", stream.Id, message);
            return new StreamResult(stream.Id, StreamOutcome.Failed, [], message);
        }
    }

    private ServiceProvider BuildRunnerServices(MigrationStream stream) =>
        new ServiceCollection()
            .AddLogging(b => b.ClearProviders())
            .AddFluentMigratorCore()
            .ConfigureRunner(rb =>
            {
                _ = database.Engine switch
                {
                    DatabaseEngine.Sqlite => rb.AddSQLite(),
                    DatabaseEngine.MariaDb => rb.AddMySql8(),
                    DatabaseEngine.PostgreSql => rb.AddPostgres(),
                    _ => throw new InvalidOperationException("unknown engine"),
                };
                rb.WithGlobalConnectionString(database.Url.ConnectionString)
                    .WithVersionTable(new StreamVersionTable(stream.VersionTable))
                    .ScanIn(stream.Assembly).For.Migrations();
            })
            .Configure<TypeFilterOptions>(o =>
            {
                o.Namespace = stream.Namespace;
                o.NestedNamespaces = false;
            })
            .BuildServiceProvider(validateScopes: false);
}
