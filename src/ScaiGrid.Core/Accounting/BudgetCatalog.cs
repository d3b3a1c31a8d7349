using System.Collections.Frozen;
using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting;

/// <summary>Every budget, in memory, by scope: the pre-check needs no database query.</summary>
public sealed class BudgetCatalog(ScaiGridDatabase database) : ICachedCatalog
{
    /// <summary>Budgets and rate limits share one invalidation topic (the admin API publishes it).</summary>
    public const string ChangedTopic = "limits.changed";
    public const string Partner = "partner";
    public const string Tenant = "tenant";
    public const string User = "user";
    public const string ApiKey = "api_key";

    private FrozenDictionary<string, BudgetRow[]> _byScope = FrozenDictionary<string, BudgetRow[]>.Empty;

    public string Topic => ChangedTopic;

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var db = database.Open();
        var rows = await db.GetTable<BudgetRow>().ToListAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _byScope, rows.GroupBy(r => Key(r.ScopeType, r.ScopeId), StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal));
    }

    /// <summary>The budgets that bind this caller: its API key, user, tenant and partner, widest last.</summary>
    public List<BudgetRow> For(CallerContext caller)
    {
        var scopes = Volatile.Read(ref _byScope);
        var result = new List<BudgetRow>();
        if (scopes.Count == 0)
        {
            return result;
        }

        Add(scopes, result, ApiKey, caller.ApiKeyId);
        Add(scopes, result, User, caller.UserId);
        Add(scopes, result, Tenant, caller.TenantId);
        Add(scopes, result, Partner, caller.PartnerId);
        return result;
    }

    private static void Add(FrozenDictionary<string, BudgetRow[]> scopes, List<BudgetRow> result, string type, string? id)
    {
        if (id is not null && scopes.TryGetValue(Key(type, id), out var rows))
        {
            result.AddRange(rows);
        }
    }

    private static string Key(string type, string id) => type + ":" + id;
}
