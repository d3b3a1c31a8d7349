using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Admin;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Events;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;
using StackExchange.Redis;

namespace ScaiGrid.Core.Hosting;

/// <summary>
/// <c>scaigrid apply -f FILE</c>: the declarative configuration, applied straight to the database the
/// settings name. On the embedded default the schema is migrated first, as <c>serve</c> would.
/// </summary>
internal static class ApplyCommand
{
    public static async Task<int> RunAsync(ScaiGridCli.Loaded loaded, FileInfo file, bool dryRun, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var (settings, modules) = loaded;
        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"scaigrid: --file: '{file.FullName}' does not exist").ConfigureAwait(false);
            return ScaiGridCli.ExitUsage;
        }

        using var loggers = LoggerFactory.Create(b => b.AddScaiGridLogging(settings with { LogLevel = "Warning" }));
        var database = new ScaiGridDatabase(settings.Database);
        await database.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var migrator = new SchemaMigrator(database, loggers.CreateLogger<SchemaMigrator>());
        if (settings.AutoMigrate)
        {
            var report = migrator.MigrateUp(modules.Streams);
            if (!report.Succeeded)
            {
                throw new StartupException("migration failed: " + string.Join("; ", report.Streams.Where(s => s.Error is not null).Select(s => $"{s.StreamId}: {s.Error}")));
            }
        }
        else
        {
            await StartupTasks.EnsureSchemaCurrentAsync(migrator, modules, cancellationToken).ConfigureAwait(false);
        }

        var applier = new ConfigApplier(database, new SecretProtector(settings.SecretKey), new CredentialHasher(settings.SecretKey));
        ApplyResult result;
        try
        {
            result = await applier.ApplyFileAsync(file.FullName, name => environment.TryGetValue(name, out var v) ? v : null, dryRun, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigFileException ex)
        {
            await Console.Error.WriteLineAsync($"scaigrid: {file.Name} is invalid; nothing was applied ({ex.Problems.Count} problem(s)):").ConfigureAwait(false);
            foreach (var problem in ex.Problems)
            {
                await Console.Error.WriteLineAsync("  " + problem).ConfigureAwait(false);
            }

            return ScaiGridCli.ExitFailure;
        }

        foreach (var change in result.Changes)
        {
            await Console.Out.WriteLineAsync((dryRun ? "would have " : string.Empty) + change).ConfigureAwait(false);
        }

        await Console.Out.WriteLineAsync($"{(dryRun ? "dry run: " : string.Empty)}{result.Created} created, {result.Updated} updated, {result.Unchanged} unchanged").ConfigureAwait(false);
        foreach (var credential in result.GeneratedCredentials)
        {
            // The only time a generated key is ever shown: it is stored as a hash.
            await Console.Out.WriteLineAsync($"new {credential.Kind} '{credential.Name}' for {credential.Owner}: {credential.Value}  (shown once; store it now)").ConfigureAwait(false);
        }

        if (!dryRun && result.Created + result.Updated > 0)
        {
            await TellRunningServersAsync(settings, file.Name, loggers).ConfigureAwait(false);
        }

        return ScaiGridCli.ExitOk;
    }

    /// <summary>The longest a running server takes to see the changes by itself: its credential safety-net refresh.</summary>
    private static readonly int RefreshSeconds = (int)CredentialCacheService.FullRefreshInterval.TotalSeconds;

    /// <summary>
    /// With Redis, servers hear invalidations on the shared event bus: publish them, so the applied changes
    /// (a new key, a revoked one, a model) take effect at once instead of at the next periodic refresh
    /// (10 s for models and limits, 30 s for credentials). Without Redis there is no channel to other
    /// processes; they pick the changes up on that refresh. The changes are applied either way, so a Redis
    /// failure here is a warning, not a failed apply.
    /// </summary>
    private static async Task TellRunningServersAsync(ScaiGridSettings settings, string fileName, ILoggerFactory loggers)
    {
        if (settings.RedisConfiguration is not { } redisConfiguration)
        {
            await Console.Out.WriteLineAsync($"running servers pick the changes up within {RefreshSeconds} s (no SCAIGRID_REDIS_URL to notify them at once)").ConfigureAwait(false);
            return;
        }

        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration).ConfigureAwait(false);
            var bus = new RedisEventBus(redis, loggers.CreateLogger<RedisEventBus>());
            foreach (var topic in AdminTopics.All)
            {
                await AdminTopics.PublishAsync(bus, topic, "config_file", fileName).ConfigureAwait(false);
            }

            await Console.Out.WriteLineAsync("told running servers to reload (via Redis)").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"scaigrid: warning: could not notify running servers through Redis ({ex.Message}); they pick the changes up within {RefreshSeconds} s").ConfigureAwait(false);
        }
    }
}
