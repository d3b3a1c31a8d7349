using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting;

public static class AccountingServiceCollectionExtensions
{
    /// <summary>Budgets (catalog + ledger), the usage buffer and its flusher; Redis-backed when SCAIGRID_REDIS_URL is set.</summary>
    public static IServiceCollection AddAccounting(this IServiceCollection services, ScaiGridSettings settings)
    {
        services.AddSingleton<BudgetCatalog>();
        services.AddSingleton<ICachedCatalog>(sp => sp.GetRequiredService<BudgetCatalog>());
        if (settings.RedisConfiguration is not null)
        {
            services.AddSingleton<IBudgetLedger, RedisBudgetLedger>();
            services.AddSingleton<IUsageBuffer, RedisUsageBuffer>();
        }
        else
        {
            services.AddSingleton<IBudgetLedger, InMemoryBudgetLedger>();
            services.AddSingleton<IUsageBuffer, InMemoryUsageBuffer>();
        }

        services.AddSingleton<UsageWriter>();
        services.AddHostedService<UsageFlusher>();
        services.AddSingleton<AccountingService>();
        return services;
    }
}
