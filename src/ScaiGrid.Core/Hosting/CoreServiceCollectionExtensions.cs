using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Audit;
using ScaiGrid.Core.Accounting.UsageApi;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Auth.ApiKeys;
using ScaiGrid.Core.Auth.Jwt;
using ScaiGrid.Core.Auth.ServiceTokens;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Configuration.Declarative;
using ScaiGrid.Core.Events;
using ScaiGrid.Core.Inference;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Observability;
using ScaiGrid.Core.Observability.Metrics;
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
        services.AddMetrics();
        services.AddSingleton<ScaiGridMetrics>();

        if (settings.RedisConfiguration is { } redis)
        {
            // abortConnect=false: the process starts while Redis is down and /health says so.
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddSingleton<IStateStore, RedisStateStore>();

            // Every replica must hear cache invalidations (a revoked key), so events go through Redis too.
            services.AddSingleton<IEventBus, RedisEventBus>();
        }
        else
        {
            services.AddSingleton<IStateStore, InMemoryStateStore>();
            services.AddSingleton<IEventBus, InProcessEventBus>();
        }

        services.AddIdentity(settings);
        services.AddSingleton<ConfigApplier>();
        services.AddSingleton<IStartupStep, ConfigFileStartupStep>();
        services.AddInference(settings);
        services.AddAccounting(settings);
        services.AddSingleton<CatalogRefresher>();
        services.AddSingleton<IStartupStep>(sp => sp.GetRequiredService<CatalogRefresher>());
        services.AddHostedService(sp => sp.GetRequiredService<CatalogRefresher>());
        services.AddRateLimiting(settings);
        services.AddUsageApi();
        services.AddCoreHealthContributors();
        modules.ConfigureServices(services);
        return services;
    }

    /// <summary>Credential cache and its refresher, the authenticators (API keys, service tokens, JWT) and the audit log.</summary>
    private static IServiceCollection AddIdentity(this IServiceCollection services, ScaiGridSettings settings)
    {
        if (settings.Jwt is { } jwt)
        {
            services.AddSingleton(jwt);
            services.AddSingleton<JwksCache>();
            services.AddSingleton<ICallerAuthenticator, JwtAuthenticator>();
        }

        services.AddSingleton<CredentialCache>();
        services.AddHostedService<CredentialCacheService>();
        services.AddSingleton<LastUsedRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<LastUsedRecorder>());
        services.AddSingleton<ICallerAuthenticator, ApiKeyAuthenticator>();
        services.AddSingleton<ICallerAuthenticator, ServiceTokenAuthenticator>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
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
        if (settings.OtlpEndpoint is null)
        {
            // With this category enabled at all, ASP.NET Core starts an Activity and a log scope for every request
            // (and HttpClient then stamps a traceparent on every upstream call) — ≈ 2 % of a request's CPU for ids
            // nothing exports. Its own messages are request start/finish at Information, below our floor anyway.
            // With an OTLP endpoint the activities carry the exported trace, so the category stays on.
            logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        }

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
