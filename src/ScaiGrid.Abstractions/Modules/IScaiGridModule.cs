using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ScaiGrid.Abstractions.Modules;

/// <summary>
/// A ScaiGrid module: its own URL namespace (<c>/v1/modules/{Id}/</c>), permissions, tables and
/// migration stream, and background tasks. Modules compile against this SDK only.
/// </summary>
public interface IScaiGridModule
{
    /// <summary>Lower-case id, <c>[a-z][a-z0-9_]*</c>; names the URL prefix and the version table.</summary>
    string Id { get; }

    string Version { get; }

    /// <summary>Ids of modules that must be enabled and initialised before this one.</summary>
    IReadOnlyList<string> DependsOn => [];

    IReadOnlyList<PermissionDefinition> Permissions => [];

    /// <summary>The module's migration stream, or null when it has no tables.</summary>
    ModuleMigrations? Migrations => null;

    IReadOnlyList<BackgroundTaskDefinition> BackgroundTasks => [];

    /// <summary>Registers the module's services in the host container (called before the host is built).</summary>
    void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Maps endpoints on a group already rooted at <c>/v1/modules/{Id}</c>.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }

    /// <summary>Called once at start, in dependency order, after migrations are current.</summary>
    Task InitializeAsync(ModuleContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A permission a module adds, such as <c>scaiqueue:manage</c>.</summary>
public sealed record PermissionDefinition(string Name, string Description);

/// <summary>
/// Where a module's FluentMigrator migrations live: the classes in <see cref="Assembly"/> under
/// <see cref="Namespace"/>. Tables should be prefixed with the module id.
/// </summary>
public sealed record ModuleMigrations(Assembly Assembly, string Namespace);

/// <summary>
/// A recurring task the worker mode runs. One replica runs each tick (a lease in the state store).
/// </summary>
public sealed record BackgroundTaskDefinition(
    string Name,
    TimeSpan Interval,
    Func<ModuleContext, CancellationToken, Task> RunAsync);
