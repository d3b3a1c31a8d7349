using System.Data;
using System.Data.Common;
using System.Text;
using LinqToDB.Data;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting;

/// <summary>
/// Writes usage records idempotently: a request id already in the table is skipped by the database itself
/// (<c>ON CONFLICT DO NOTHING</c> / <c>ON DUPLICATE KEY UPDATE</c> on the primary key), so a batch written
/// twice — a flusher crashed after the insert, before its acknowledgement, or two replicas raced for an
/// orphaned batch — leaves every id exactly once, with no read-before-write.
/// Bound parameters only: no value is ever spliced into SQL text.
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

    private static readonly DbType[] ColumnTypes =
    [
        DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String, DbType.String,
        DbType.Int64, DbType.Int64, DbType.Int64, DbType.Int64, DbType.Int32, DbType.Int32, DbType.Int64,
        DbType.String, DbType.String, DbType.Boolean, DbType.Int64,
    ];

    private readonly Dictionary<int, string> _statements = [];

    /// <returns>
    /// Rows the database reports as affected: the new records on SQLite; on MariaDB the client's default
    /// found-rows mode may count a skipped duplicate too. Informational only — correctness rests on the key.
    /// </returns>
    public async Task<int> WriteAsync(IReadOnlyList<UsageRecordRow> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return 0;
        }

        await using var db = database.Open();
        await using var tx = await db.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var connection = await db.OpenDbConnectionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = database.Engine == DatabaseEngine.Sqlite
            ? await InsertOneByOneAsync(connection, db.Transaction, records, cancellationToken).ConfigureAwait(false)
            : await InsertManyPerStatementAsync(connection, db.Transaction, records, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>
    /// SQLite: one prepared single-row statement, re-bound per record, inside the transaction — SQLite's fastest
    /// path (no network round trip to save). A many-row statement would cost more here: Microsoft.Data.Sqlite
    /// binds each parameter by name, and SQLite finds a name by a linear scan, so binding grows with its square.
    /// </summary>
    private async Task<int> InsertOneByOneAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<UsageRecordRow> records, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Statement(1);
        var parameters = AddParameters(command, 1);
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var inserted = 0;
        foreach (var record in records)
        {
            Bind(parameters, 0, record);
            inserted += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return inserted;
    }

    /// <summary>MariaDB and PostgreSQL: up to <see cref="RowsPerStatement"/> rows per statement, one round trip each.</summary>
    private async Task<int> InsertManyPerStatementAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<UsageRecordRow> records, CancellationToken cancellationToken)
    {
        var inserted = 0;
        for (var start = 0; start < records.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, records.Count - start);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Statement(count);
            var parameters = AddParameters(command, count);
            for (var row = 0; row < count; row++)
            {
                Bind(parameters, row, records[start + row]);
            }

            inserted += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return inserted;
    }

    private static DbParameter[] AddParameters(DbCommand command, int rows)
    {
        var parameters = new DbParameter[rows * Columns.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            // Named with its '@' prefix, exactly as the SQL spells it: Microsoft.Data.Sqlite looks a bare name
            // up four times (as given, then with '@', ':' and '$'), and SQLite scans every name on each lookup.
            parameter.ParameterName = "@" + Name(i);
            parameter.DbType = ColumnTypes[i % Columns.Length];
            command.Parameters.Add(parameter);
            parameters[i] = parameter;
        }

        return parameters;
    }

    private static void Bind(DbParameter[] parameters, int row, UsageRecordRow r)
    {
        var i = row * Columns.Length;
        parameters[i].Value = r.RequestId;
        parameters[i + 1].Value = r.PartnerId;
        parameters[i + 2].Value = r.TenantId;
        parameters[i + 3].Value = r.UserId;
        parameters[i + 4].Value = (object?)r.ApiKeyId ?? DBNull.Value;
        parameters[i + 5].Value = r.FrontendModel;
        parameters[i + 6].Value = (object?)r.BackendModel ?? DBNull.Value;
        parameters[i + 7].Value = (object?)r.ProviderId ?? DBNull.Value;
        parameters[i + 8].Value = r.InputTokens;
        parameters[i + 9].Value = r.OutputTokens;
        parameters[i + 10].Value = r.CachedInputTokens;
        parameters[i + 11].Value = r.ReasoningTokens;
        parameters[i + 12].Value = (object?)r.TimeToFirstTokenMs ?? DBNull.Value;
        parameters[i + 13].Value = r.LatencyMs;
        parameters[i + 14].Value = r.CostNanoUsd;
        parameters[i + 15].Value = r.Outcome;
        parameters[i + 16].Value = (object?)r.ErrorCode ?? DBNull.Value;
        parameters[i + 17].Value = r.IsStream;
        parameters[i + 18].Value = r.CreatedAt;
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
