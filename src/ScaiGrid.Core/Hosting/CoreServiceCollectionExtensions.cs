using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Accounting.Usage;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Events;
using ScaiGrid.Core.Inference;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Observability;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.State;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Storage.Migrations;
using StackExchange.Redis;

namespace ScaiGrid.Core.Hosting;

public static class CoreServiceCollectionExtensions
{
    /// <summary>The services every runtime mode shares: settings, storage, state, events, secrets, modules.</summary>
    public static IServiceCollection AddScaiGridCore(this IServiceCollection services, ScaiGridSettings settings, ModuleRuntime modules)
    {
        services.AddSingleton(settings);
        services.AddSingleton(modules);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new ScaiGridDatabase(settings.Database));
        services.AddSingleton<IScaiGridDatabase>(sp => sp.GetRequiredService<ScaiGridDatabase>());
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton(new SecretProtector(settings.SecretKey));
        services.AddSingleton(new CredentialHasher(settings.SecretKey));
        services.AddHttpClient();

        if (settings.RedisConfiguration is { } redis)
        {
            // abortConnect=false: the process starts while Redis is down and /health says so.
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddSingleton<IStateStore, RedisStateStore>();
        }
        else
        {
            services.AddSingleton<IStateStore, InMemoryStateStore>();
        }

        services.AddSingleton<IEventBus, InProcessEventBus>();
        services.AddSingleton<ConfigApplier>();
        services.AddSingleton<IStartupStep, ConfigFileStartupStep>();
        services.AddInference(settings);
        services.AddRateLimiting(settings);
        services.AddUsageApi();
        services.AddCoreHealthContributors();
        modules.ConfigureServices(services);
        return services;
    }

    /// <summary>Console logs, text or JSON (<c>SCAIGRID_LOG_FORMAT</c>), always with scopes so the request id shows.</summary>
    public static ILoggingBuilder AddScaiGridLogging(this ILoggingBuilder logging, ScaiGridSettings settings)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(Enum.Parse<LogLevel>(settings.LogLevel, ignoreCase: true));
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        if (settings.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        return logging;
    }
}
