using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Modules;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Modules;

namespace ScaiGrid.Core.Hosting;

/// <summary>The <c>worker</c> runtime mode: the background-task host for core and module tasks.</summary>
public static class WorkerHost
{
    public static IHost Build(ScaiGridSettings settings, ModuleRuntime modules, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Logging.AddScaiGridLogging(settings);
        builder.Services.AddScaiGridCore(settings, modules);
        builder.Services.AddHostedService<BackgroundTaskRunner>();
        configure?.Invoke(builder);
        return builder.Build();
    }
}

/// <summary>
/// Runs every enabled module's <see cref="BackgroundTaskDefinition"/> on its interval. A lease in the
/// state store (shared through Redis across replicas) makes one worker run each tick.
/// </summary>
internal sealed partial class BackgroundTaskRunner(IServiceProvider services, ModuleRuntime modules, IStateStore state, ILogger<BackgroundTaskRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = modules.Modules
            .SelectMany(m => m.BackgroundTasks.Select(t => RunLoopAsync(m, t, stoppingToken)))
            .ToList();
        LogStarted(loops.Count);
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task RunLoopAsync(IScaiGridModule module, BackgroundTaskDefinition task, CancellationToken stoppingToken)
    {
        var context = modules.CreateContext(services, module);
        using var timer = new PeriodicTimer(task.Interval);
        do
        {
            var tick = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / (long)Math.Max(1, task.Interval.TotalMilliseconds);
            var lease = $"lease:task:{module.Id}:{task.Name}:{tick}";
            try
            {
                if (await state.SetIfAbsentAsync(lease, Environment.MachineName, task.Interval * 2, stoppingToken).ConfigureAwait(false))
                {
                    await task.RunAsync(context, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTaskFailed(ex, module.Id, task.Name);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker running {Count} background task(s)")]
    private partial void LogStarted(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Background task {Module}/{Task} failed")]
    private partial void LogTaskFailed(Exception exception, string module, string task);
}
