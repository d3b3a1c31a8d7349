using System.Collections;
using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;

namespace ScaiGrid.Core.Hosting;

/// <summary>
/// The <c>scaigrid</c> command line. With no verb it runs the mode <c>SCAIGRID_MODE</c> names
/// (http by default), which is how containers start it; verbs are for operators.
/// Exit codes: 0 success, 1 a failure while running, 2 bad configuration or usage.
/// </summary>
public static class ScaiGridCli
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?> environment, ModuleCatalog catalog, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("ScaiGrid: a unified, multi-tenant AI gateway. With no command, runs the mode SCAIGRID_MODE names (http, grpc, worker, migrate).");
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, e.g. http://127.0.0.1:8000 (default; overrides ASPNETCORE_URLS)." };
        var serve = new Command("serve", "Serve the HTTP API (/v1, /oai/v1, /health, /metrics).") { urls };
        var grpc = new Command("grpc", "Serve the gRPC API on its own port (SCAIGRID_GRPC_URLS, default http://127.0.0.1:50051).");
        var worker = new Command("worker", "Run background tasks of the core and enabled modules.");
        var statusOnly = new Option<bool>("--status") { Description = "Show each stream's applied and pending versions; change nothing." };
        var migrate = new Command("migrate", "Apply database migrations: core first, then each enabled module; then exit.") { statusOnly };
        var file = new Option<FileInfo>("--file", "-f") { Description = "The YAML file to apply.", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and show the changes without writing them." };
        var apply = new Command("apply", "Create or update providers, models, tenancy, budgets and keys from a YAML file (idempotent).") { file, dryRun };
        root.Add(serve);
        root.Add(grpc);
        root.Add(worker);
        root.Add(migrate);
        root.Add(apply);

        var exit = ExitOk;
        foreach (var command in IdentityCommands.Create(() => Load(environment, catalog, null), code => exit = code))
        {
            root.Add(command);
        }
        root.SetAction((_, ct) => Guarded(async () => exit = await RunModeAsync(environment, catalog, null, null, ct).ConfigureAwait(false)));
        serve.SetAction((r, ct) => Guarded(async () => exit = await RunModeAsync(environment, catalog, RuntimeMode.Http, r.GetValue(urls), ct).ConfigureAwait(false)));
        grpc.SetAction((_, ct) => Guarded(async () => exit = await RunModeAsync(environment, catalog, RuntimeMode.Grpc, null, ct).ConfigureAwait(false)));
        worker.SetAction((_, ct) => Guarded(async () => exit = await RunModeAsync(environment, catalog, RuntimeMode.Worker, null, ct).ConfigureAwait(false)));
        migrate.SetAction((r, ct) => Guarded(async () => exit = r.GetValue(statusOnly)
            ? await MigrationStatusAsync(environment, catalog, ct).ConfigureAwait(false)
            : await RunModeAsync(environment, catalog, RuntimeMode.Migrate, null, ct).ConfigureAwait(false)));
        apply.SetAction((r, ct) => Guarded(async () => exit = await ApplyCommand.RunAsync(Load(environment, catalog, null), r.GetValue(file)!, r.GetValue(dryRun), environment, ct).ConfigureAwait(false)));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync("scaigrid: " + error.Message).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("Run 'scaigrid --help' for usage.").ConfigureAwait(false);
            return ExitUsage;
        }

        var code = await parse.InvokeAsync(new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            // The hosts own SIGTERM: http drains (which outlasts System.CommandLine's 2 s termination
            // timeout, after which it would exit 143 mid-drain); grpc and worker stop via their lifetimes.
            ProcessTerminationTimeout = null,
        }, cancellationToken).ConfigureAwait(false);
        return code != 0 ? code : exit;

        async Task<int> Guarded(Func<Task> run)
        {
            try
            {
                await run().ConfigureAwait(false);
                return exit;
            }
            catch (ConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("scaigrid: " + ex.Message).ConfigureAwait(false);
                return exit = ExitUsage;
            }
            catch (ModuleConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("scaigrid: " + ex.Message).ConfigureAwait(false);
                return exit = ExitUsage;
            }
            catch (StartupException ex)
            {
                await Console.Error.WriteLineAsync("scaigrid: " + ex.Message).ConfigureAwait(false);
                return exit = ExitFailure;
            }
        }
    }

    /// <summary>Settings plus the resolved module set: everything a verb needs before it builds a host.</summary>
    internal sealed record Loaded(ScaiGridSettings Settings, ModuleRuntime Modules);

    internal static Loaded Load(IReadOnlyDictionary<string, string?> environment, ModuleCatalog catalog, string? urls)
    {
        var settings = ScaiGridSettings.FromEnvironment(environment, urls);
        if (settings.ModulePath is { } path)
        {
            catalog.LoadFrom(path);
        }

        return new Loaded(settings, ModuleRuntime.Create(catalog, settings.Modules));
    }

    private static async Task<int> RunModeAsync(IReadOnlyDictionary<string, string?> environment, ModuleCatalog catalog, RuntimeMode? mode, string? urls, CancellationToken cancellationToken)
    {
        var (settings, modules) = Load(environment, catalog, urls);
        settings = mode is { } m ? settings with { Mode = m } : settings;
        switch (settings.Mode)
        {
            case RuntimeMode.Http:
                await using (var app = HttpHost.Build(settings, modules))
                {
                    await HttpHost.RunAsync(app, cancellationToken).ConfigureAwait(false);
                }

                return ExitOk;
            case RuntimeMode.Grpc:
                await using (var app = GrpcHost.Build(settings, modules))
                {
                    await StartupTasks.EnsureSchemaCurrentAsync(app.Services.GetRequiredService<SchemaMigrator>(), modules, cancellationToken).ConfigureAwait(false);
                    await app.RunAsync().ConfigureAwait(false);
                }

                return ExitOk;
            case RuntimeMode.Worker:
                using (var host = WorkerHost.Build(settings, modules))
                {
                    await StartupTasks.EnsureSchemaCurrentAsync(host.Services.GetRequiredService<SchemaMigrator>(), modules, cancellationToken).ConfigureAwait(false);
                    await host.RunAsync(cancellationToken).ConfigureAwait(false);
                }

                return ExitOk;
            case RuntimeMode.Migrate:
                return await MigrateAsync(settings, modules, cancellationToken).ConfigureAwait(false);
            default:
                throw new ConfigurationException("SCAIGRID_MODE", "unsupported mode");
        }
    }

    private static async Task<int> MigrateAsync(ScaiGridSettings settings, ModuleRuntime modules, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.AddScaiGridLogging(settings));
        var database = new ScaiGridDatabase(settings.Database);
        try
        {
            await database.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            throw new StartupException($"cannot reach the database {settings.Database.Display}: {ex.Message}");
        }

        var report = new SchemaMigrator(database, loggers.CreateLogger<SchemaMigrator>()).MigrateUp(modules.Streams);
        foreach (var stream in report.Streams)
        {
            var line = stream.Outcome switch
            {
                StreamOutcome.Applied => $"{stream.StreamId}: applied {string.Join(", ", stream.AppliedVersions)}",
                StreamOutcome.UpToDate => $"{stream.StreamId}: up to date",
                StreamOutcome.Failed => $"{stream.StreamId}: FAILED: {stream.Error}",
                _ => $"{stream.StreamId}: {stream.Error}",
            };
            await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
        }

        return report.Succeeded ? ExitOk : ExitFailure;
    }

    private static async Task<int> MigrationStatusAsync(IReadOnlyDictionary<string, string?> environment, ModuleCatalog catalog, CancellationToken cancellationToken)
    {
        var (settings, modules) = Load(environment, catalog, null);
        using var loggers = LoggerFactory.Create(b => b.AddScaiGridLogging(settings));
        var migrator = new SchemaMigrator(new ScaiGridDatabase(settings.Database), loggers.CreateLogger<SchemaMigrator>());
        var statuses = await migrator.GetStatusAsync(modules.Streams, cancellationToken).ConfigureAwait(false);
        foreach (var s in statuses)
        {
            await Console.Out.WriteLineAsync($"{s.StreamId}: applied {s.Applied?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, latest {s.Latest}, pending [{string.Join(", ", s.Pending)}]").ConfigureAwait(false);
        }

        return statuses.All(s => s.Current) ? ExitOk : ExitFailure;
    }
}
