using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Abstractions.Storage;

namespace ScaiGrid.Abstractions.Modules;

/// <summary>What ScaiGrid hands a module: shared infrastructure, scoped to the module where it matters.</summary>
public sealed class ModuleContext
{
    public required string ModuleId { get; init; }

    public required IScaiGridDatabase Database { get; init; }

    /// <summary>Real-time state; keys a module writes should start with its id.</summary>
    public required IStateStore State { get; init; }

    /// <summary>The module's own configuration section (<c>modules.{id}</c> of the config file, <c>SCAIGRID_MODULE_{ID}_*</c>).</summary>
    public required IConfiguration Configuration { get; init; }

    public required IEventBus Events { get; init; }

    public required IHttpClientFactory HttpClientFactory { get; init; }

    public required ILogger Logger { get; init; }

    public required IServiceProvider Services { get; init; }
}
