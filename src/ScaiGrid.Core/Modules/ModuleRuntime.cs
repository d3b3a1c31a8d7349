using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.Modules;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;

namespace ScaiGrid.Core.Modules;

/// <summary>
/// The enabled modules of this process, in dependency order: their migration streams, contexts,
/// initialisation and endpoints under <c>/v1/modules/{id}/</c>.
/// </summary>
public sealed class ModuleRuntime
{
    public ModuleRuntime(IReadOnlyList<IScaiGridModule> ordered)
    {
        Modules = ordered;
        Streams =
        [
            MigrationStream.Core,
            .. ordered.Where(m => m.Migrations is not null).Select(m => new MigrationStream(
                m.Id, MigrationStream.ModuleVersionTable(m.Id), m.Migrations!.Assembly, m.Migrations.Namespace, m.DependsOn)),
        ];
    }

    /// <summary>Resolves <c>SCAIGRID_MODULES</c> against the catalog (see <see cref="ModuleOrdering"/>).</summary>
    public static ModuleRuntime Create(ModuleCatalog catalog, IReadOnlyList<string> enabled) => new(ModuleOrdering.Resolve(catalog, enabled));

    public IReadOnlyList<IScaiGridModule> Modules { get; }

    /// <summary>Core first, then each module with tables, in dependency order.</summary>
    public IReadOnlyList<MigrationStream> Streams { get; }

    public bool IsEnabled(string moduleId) => Modules.Any(m => string.Equals(m.Id, moduleId, StringComparison.Ordinal));

    public void ConfigureServices(IServiceCollection services)
    {
        foreach (var module in Modules)
        {
            module.ConfigureServices(services);
        }
    }

    public ModuleContext CreateContext(IServiceProvider services, IScaiGridModule module) => new()
    {
        ModuleId = module.Id,
        Database = services.GetRequiredService<IScaiGridDatabase>(),
        State = services.GetRequiredService<IStateStore>(),
        Events = services.GetRequiredService<IEventBus>(),
        HttpClientFactory = services.GetRequiredService<IHttpClientFactory>(),
        Logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ScaiGrid.Modules." + module.Id),
        Configuration = ModuleConfiguration(services.GetRequiredService<ScaiGridSettings>(), module.Id),
        Services = services,
    };

    /// <summary>The module's settings: <c>SCAIGRID_MODULE_{ID}_KEY</c> becomes <c>KEY</c> (<c>__</c> nests sections).</summary>
    private static IConfiguration ModuleConfiguration(ScaiGridSettings settings, string moduleId)
    {
        var prefix = $"SCAIGRID_MODULE_{moduleId.ToUpperInvariant()}_";
        var values = settings.ModuleVariables
            .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => new KeyValuePair<string, string?>(p.Key[prefix.Length..].Replace("__", ":", StringComparison.Ordinal), p.Value));
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>Initialises each module in order and records its version in <c>module_state</c>.</summary>
    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<IScaiGridDatabase>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ModuleRuntime>();
        foreach (var module in Modules)
        {
            try
            {
                await module.InitializeAsync(CreateContext(services, module), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new ModuleConfigurationException($"module '{module.Id}' failed to initialise: {ex.Message}");
            }

            await using var db = database.Open();
            var now = UnixMs.Now();
            var updated = await db.GetTable<ModuleStateRow>()
                .Where(r => r.ModuleId == module.Id)
                .Set(r => r.IsEnabled, true)
                .Set(r => r.Version, module.Version)
                .Set(r => r.UpdatedAt, now)
                .UpdateAsync(cancellationToken).ConfigureAwait(false);
            if (updated == 0)
            {
                await db.InsertAsync(new ModuleStateRow { ModuleId = module.Id, IsEnabled = true, Version = module.Version, UpdatedAt = now }, token: cancellationToken).ConfigureAwait(false);
            }

            logger.LogInformation("Module {Module} {Version} initialised", module.Id, module.Version);
        }
    }

    /// <summary>Mounts each module's endpoints under its namespace, and answers for modules that are not enabled.</summary>
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        foreach (var module in Modules)
        {
            var id = module.Id;
            var group = endpoints.MapGroup("/v1/modules/" + id).WithTags("module:" + id);
            group.AddEndpointFilter((context, next) => ModuleAuditFilter.InvokeAsync(id, context, next));
            module.MapEndpoints(group);
        }

        // Literal module prefixes above outrank this pattern, so it only sees ids that are not enabled
        // (or paths an enabled module does not have).
        endpoints.Map("/v1/modules/{moduleId}/{**rest}", (HttpContext context, string moduleId) =>
        {
            throw IsEnabled(moduleId)
                ? new ScaiGridException(ErrorCodes.NotFound, $"No route matches {context.Request.Method} {context.Request.Path}.")
                : new ScaiGridException(ErrorCodes.ModuleNotEnabled, $"Module '{moduleId}' is not enabled on this installation.");
        }).AllowAnonymous();
    }
}
