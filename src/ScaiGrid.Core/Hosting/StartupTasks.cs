using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;

namespace ScaiGrid.Core.Hosting;

/// <summary>A start-up step failed; the process prints this one line and exits non-zero.</summary>
public sealed class StartupException(string message) : Exception(message);

/// <summary>
/// What a serving process does before it accepts traffic: prepare the database, migrate (embedded
/// default) or insist the schema is current (servers), apply the config file, initialise modules.
/// </summary>
public static class StartupTasks
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<ScaiGridSettings>();
        var database = services.GetRequiredService<ScaiGridDatabase>();
        var migrator = services.GetRequiredService<SchemaMigrator>();
        var modules = services.GetRequiredService<ModuleRuntime>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ScaiGrid.Startup");

        logger.LogInformation("ScaiGrid {Mode} starting: database {Database}, state {State}, modules [{Modules}]",
            settings.Mode.ToString().ToLowerInvariant(), settings.Database.Display, settings.RedisDisplay ?? "in-process",
            string.Join(", ", modules.Modules.Select(m => m.Id)));
        if (settings.AuthDisabled)
        {
            logger.LogWarning("SCAIGRID_AUTH_DISABLED=true: EVERY REQUEST RUNS AS A PLATFORM ADMIN OF THE DEFAULT TENANT. Never use this in production.");
        }

        try
        {
            await database.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            throw new StartupException($"cannot reach the database {settings.Database.Display}: {ex.Message}");
        }

        if (settings.AutoMigrate)
        {
            var report = migrator.MigrateUp(modules.Streams);
            if (!report.Succeeded)
            {
                var failed = report.Streams.First(s => s.Outcome is StreamOutcome.Failed or StreamOutcome.Skipped);
                throw new StartupException($"migration of stream '{failed.StreamId}' failed: {failed.Error}");
            }
        }
        else
        {
            await EnsureSchemaCurrentAsync(migrator, modules, cancellationToken).ConfigureAwait(false);
        }

        foreach (var step in services.GetServices<IStartupStep>())
        {
            await step.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await modules.InitializeAsync(services, cancellationToken).ConfigureAwait(false);
        }
        catch (ModuleConfigurationException ex)
        {
            throw new StartupException(ex.Message);
        }
    }

    public static async Task EnsureSchemaCurrentAsync(SchemaMigrator migrator, ModuleRuntime modules, CancellationToken cancellationToken)
    {
        IReadOnlyList<StreamStatus> statuses;
        try
        {
            statuses = await migrator.GetStatusAsync(modules.Streams, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException ex)
        {
            throw new StartupException($"cannot read the schema version: {ex.Message}");
        }

        var stale = statuses.Where(s => !s.Current).ToList();
        if (stale.Count > 0)
        {
            var detail = string.Join("; ", stale.Select(s => $"{s.StreamId}: {s.Pending.Count} pending"));
            throw new StartupException($"the database schema is out of date ({detail}); run `scaigrid migrate` (SCAIGRID_MODE=migrate) first");
        }
    }
}

/// <summary>A feature's own step before traffic (e.g. applying SCAIGRID_CONFIG_FILE, warming caches).</summary>
public interface IStartupStep
{
    Task RunAsync(CancellationToken cancellationToken);
}
