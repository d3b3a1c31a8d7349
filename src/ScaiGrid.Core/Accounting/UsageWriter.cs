using System.Text;
using LinqToDB;
using LinqToDB.Data;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting;

/// <summary>
/// Writes usage records idempotently: a request id already in the table is skipped by the database itself
/// (<c>ON CONFLICT DO NOTHING</c> / <c>ON DUPLICATE KEY UPDATE</c> on the primary key), so a batch written
/// twice — a flusher crashed after the insert, before its acknowledgement, or two replicas raced for an
/// orphaned batch — leaves every id exactly once, with no read-before-write.
/// Each statement inserts many rows with bound parameters only; no value is ever spliced into SQL text.
/// </summary>
public sealed class UsageWriter(ScaiGridDatabase database)
{
    /// <summary>19 columns × 100 rows = 1,900 parameters: far below SQLite's 32,766 and MariaDB's 65,535.</summary>
    internal const int RowsPerStatement = 100;

    private static readonly string[] Columns =
    [
        "request_id", "partner_id", "tenant_id", "user_id", "api_key_id", "frontend_model", "backend_model", "provider_id",
        "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "ttft_ms", "latency_ms", "cost_nano_usd",
        "outcome", "error_code", "is_stream", "created_at",
    ];

    private readonly Dictionary<int, string> _statements = [];

    /// <returns>How many of the records were new (engines count a skipped duplicate as 0).</returns>
    public async Task<int> WriteAsync(IReadOnlyList<UsageRecordRow> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return 0;
        }

        await using var db = database.Open();
        await using var tx = await db.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = 0;
        for (var start = 0; start < records.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, records.Count - start);
            var parameters = new DataParameter[count * Columns.Length];
            for (var row = 0; row < count; row++)
            {
                Bind(parameters, row, records[start + row]);
            }

            inserted += await db.ExecuteAsync(Statement(count), cancellationToken, parameters).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    private static void Bind(DataParameter[] parameters, int row, UsageRecordRow r)
    {
        var i = row * Columns.Length;
        parameters[i] = DataParameter.VarChar(Name(i), r.RequestId);
        parameters[i + 1] = DataParameter.VarChar(Name(i + 1), r.PartnerId);
        parameters[i + 2] = DataParameter.VarChar(Name(i + 2), r.TenantId);
        parameters[i + 3] = DataParameter.VarChar(Name(i + 3), r.UserId);
        parameters[i + 4] = DataParameter.VarChar(Name(i + 4), r.ApiKeyId);
        parameters[i + 5] = DataParameter.VarChar(Name(i + 5), r.FrontendModel);
        parameters[i + 6] = DataParameter.VarChar(Name(i + 6), r.BackendModel);
        parameters[i + 7] = DataParameter.VarChar(Name(i + 7), r.ProviderId);
        parameters[i + 8] = DataParameter.Int64(Name(i + 8), r.InputTokens);
        parameters[i + 9] = DataParameter.Int64(Name(i + 9), r.OutputTokens);
        parameters[i + 10] = DataParameter.Int64(Name(i + 10), r.CachedInputTokens);
        parameters[i + 11] = DataParameter.Int64(Name(i + 11), r.ReasoningTokens);
        parameters[i + 12] = new DataParameter(Name(i + 12), r.TimeToFirstTokenMs, DataType.Int32);
        parameters[i + 13] = DataParameter.Int32(Name(i + 13), r.LatencyMs);
        parameters[i + 14] = DataParameter.Int64(Name(i + 14), r.CostNanoUsd);
        parameters[i + 15] = DataParameter.VarChar(Name(i + 15), r.Outcome);
        parameters[i + 16] = DataParameter.VarChar(Name(i + 16), r.ErrorCode);
        parameters[i + 17] = DataParameter.Boolean(Name(i + 17), r.IsStream);
        parameters[i + 18] = DataParameter.Int64(Name(i + 18), r.CreatedAt);
    }

    private static string Name(int index) => "p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The statement for <paramref name="rows"/> rows; batches repeat the same few sizes, so each is built once.</summary>
    private string Statement(int rows)
    {
        lock (_statements)
        {
            if (_statements.TryGetValue(rows, out var cached))
            {
                return cached;
            }
        }

        var sql = new StringBuilder("INSERT INTO usage_records (").AppendJoin(", ", Columns).Append(") VALUES ");
        for (var row = 0; row < rows; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < Columns.Length; column++)
            {
                sql.Append(column == 0 ? "@" : ", @").Append(Name((row * Columns.Length) + column));
            }

            sql.Append(')');
        }

        sql.Append(database.Engine == DatabaseEngine.MariaDb
            // A no-op update on a duplicate key: unlike INSERT IGNORE, it does not also swallow other errors.
            ? " ON DUPLICATE KEY UPDATE request_id = request_id"
            : " ON CONFLICT (request_id) DO NOTHING");
        var statement = sql.ToString();
        lock (_statements)
        {
            _statements[rows] = statement;
        }

        return statement;
    }
}
