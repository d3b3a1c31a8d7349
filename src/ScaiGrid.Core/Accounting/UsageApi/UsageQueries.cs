using System.Text;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.Mapping;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting.UsageApi;

/// <summary>One aggregated row; dimensions not grouped by are null.</summary>
public sealed class UsageAggregate
{
    [Column("day_start")] public long? DayStartMs { get; set; }
    [Column("model")] public string? Model { get; set; }
    [Column("user_id")] public string? UserId { get; set; }
    [Column("api_key_id")] public string? ApiKeyId { get; set; }
    [Column("requests")] public long Requests { get; set; }
    [Column("input_tokens")] public long InputTokens { get; set; }
    [Column("output_tokens")] public long OutputTokens { get; set; }
    [Column("cached_input_tokens")] public long CachedInputTokens { get; set; }
    [Column("reasoning_tokens")] public long ReasoningTokens { get; set; }
    [Column("cost_nano_usd")] public long CostNanoUsd { get; set; }
    [Column("errors")] public long Errors { get; set; }
}

/// <summary>
/// Reads <c>usage_records</c> within a resolved <see cref="UsageFilter"/>. Portable across SQLite,
/// MariaDB and PostgreSQL: days are bucketed with integer arithmetic on <c>created_at</c> (Unix ms, UTC),
/// never with engine date functions.
/// </summary>
public sealed class UsageQueries(ScaiGridDatabase database)
{
    /// <summary>Outcomes counted as errors: the request failed on our or the upstream's side (not a client cancel).</summary>
    public static readonly IReadOnlyList<string> ErrorOutcomes = ["error", "upstream_cut"];

    /// <summary>
    /// Aggregates by the chosen dimensions, ordered by them. The GROUP BY column set is chosen by the caller,
    /// so this one query is SQL text — assembled only from the fixed fragments below, with every value a parameter.
    /// </summary>
    public async Task<List<UsageAggregate>> AggregateAsync(UsageFilter filter, UsageGroups groups, CancellationToken cancellationToken)
    {
        var dimensions = new List<(string Expression, string Alias)>(4);
        if (groups.HasFlag(UsageGroups.Day))
        {
            dimensions.Add(($"(created_at - (created_at % {UsageScope.DayMs}))", "day_start"));
        }

        if (groups.HasFlag(UsageGroups.Model))
        {
            dimensions.Add(("frontend_model", "model"));
        }

        if (groups.HasFlag(UsageGroups.User))
        {
            dimensions.Add(("user_id", "user_id"));
        }

        if (groups.HasFlag(UsageGroups.Key))
        {
            dimensions.Add(("api_key_id", "api_key_id"));
        }

        var parameters = new List<DataParameter>
        {
            DataParameter.Int64("from_ms", filter.FromMs),
            DataParameter.Int64("to_ms", filter.ToMs),
        };
        var sql = new StringBuilder("SELECT ");
        foreach (var (expression, alias) in dimensions)
        {
            sql.Append(expression).Append(" AS ").Append(alias).Append(", ");
        }

        sql.Append("COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, ")
            .Append("SUM(cached_input_tokens) AS cached_input_tokens, SUM(reasoning_tokens) AS reasoning_tokens, ")
            .Append("SUM(cost_nano_usd) AS cost_nano_usd, SUM(CASE WHEN outcome IN (@error_a, @error_b) THEN 1 ELSE 0 END) AS errors ")
            .Append("FROM usage_records WHERE created_at >= @from_ms AND created_at < @to_ms");
        parameters.Add(DataParameter.VarChar("error_a", ErrorOutcomes[0]));
        parameters.Add(DataParameter.VarChar("error_b", ErrorOutcomes[1]));
        Equal(sql, parameters, "partner_id", filter.PartnerId);
        Equal(sql, parameters, "tenant_id", filter.TenantId);
        Equal(sql, parameters, "user_id", filter.UserId);
        Equal(sql, parameters, "api_key_id", filter.ApiKeyId);
        Equal(sql, parameters, "frontend_model", filter.Model);
        if (dimensions.Count > 0)
        {
            var columns = string.Join(", ", dimensions.Select(d => d.Expression));
            sql.Append(" GROUP BY ").Append(columns).Append(" ORDER BY ").Append(columns);
        }

        await using var db = database.Open();
        var rows = await db.QueryToListAsync<UsageAggregate>(sql.ToString(), cancellationToken, [.. parameters]).ConfigureAwait(false);
        // Without GROUP BY an empty window still yields one all-zero (or all-NULL) row; it means "nothing".
        return dimensions.Count == 0 && rows is [{ Requests: 0 }] ? [] : rows;
    }

    /// <summary>Every record in the filter, oldest first, streamed from the database (the CSV export).</summary>
    public async IAsyncEnumerable<UsageRecordRow> RecordsAsync(UsageFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = database.Open();
        var query = db.GetTable<UsageRecordRow>().Where(r => r.CreatedAt >= filter.FromMs && r.CreatedAt < filter.ToMs);
        if (filter.PartnerId is { } partner)
        {
            query = query.Where(r => r.PartnerId == partner);
        }

        if (filter.TenantId is { } tenant)
        {
            query = query.Where(r => r.TenantId == tenant);
        }

        if (filter.UserId is { } user)
        {
            query = query.Where(r => r.UserId == user);
        }

        if (filter.ApiKeyId is { } key)
        {
            query = query.Where(r => r.ApiKeyId == key);
        }

        if (filter.Model is { } model)
        {
            query = query.Where(r => r.FrontendModel == model);
        }

        await foreach (var row in query.OrderBy(r => r.CreatedAt).ThenBy(r => r.RequestId).AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    private static void Equal(StringBuilder sql, List<DataParameter> parameters, string column, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = @").Append(column);
            parameters.Add(DataParameter.VarChar(column, value));
        }
    }
}
