using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Accounting.UsageApi;

/// <summary><c>GET /v1/usage</c> (aggregated JSON) and <c>GET /v1/usage/export.csv</c> (one row per record), scoped to the caller.</summary>
public static class UsageEndpoints
{
    public static IServiceCollection AddUsageApi(this IServiceCollection services) => services.AddSingleton<UsageQueries>();

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/usage", UsageAsync).RequirePermission(Permissions.UsageRead);
        endpoints.MapGet("/v1/usage/export.csv", ExportAsync).RequirePermission(Permissions.UsageRead);
        return endpoints;
    }

    private static async Task UsageAsync(HttpContext context, UsageQueries queries, ScaiGridDatabase database, TimeProvider time)
    {
        var groups = UsageScope.ParseGroups(context.Request.Query["group_by"].Count > 1 ? throw ScaiGridException.Validation("group_by", "give it once, comma-separated") : context.Request.Query["group_by"].ToString());
        var filter = await UsageScope.ResolveAsync(context.GetCaller(), context.Request.Query, database, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false);
        var rows = await queries.AggregateAsync(filter, groups, context.RequestAborted).ConfigureAwait(false);

        var totals = new UsageAggregate();
        foreach (var row in rows)
        {
            totals.Requests += row.Requests;
            totals.InputTokens += row.InputTokens;
            totals.OutputTokens += row.OutputTokens;
            totals.CachedInputTokens += row.CachedInputTokens;
            totals.ReasoningTokens += row.ReasoningTokens;
            totals.CostNanoUsd += row.CostNanoUsd;
            totals.Errors += row.Errors;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("from", UsageScope.Day(filter.FromMs));
        writer.WriteString("to", UsageScope.Day(filter.ToMs - UsageScope.DayMs));
        writer.WriteStartArray("data");
        foreach (var row in rows)
        {
            writer.WriteStartObject();
            if (groups.HasFlag(UsageGroups.Day))
            {
                writer.WriteString("day", UsageScope.Day(row.DayStartMs ?? 0));
            }

            if (groups.HasFlag(UsageGroups.Model))
            {
                writer.WriteString("model", row.Model);
            }

            if (groups.HasFlag(UsageGroups.User))
            {
                writer.WriteString("user_id", row.UserId);
            }

            if (groups.HasFlag(UsageGroups.Key))
            {
                writer.WriteString("api_key_id", row.ApiKeyId);
            }

            WriteCounters(writer, row);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("totals");
        WriteCounters(writer, totals);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteCounters(Utf8JsonWriter writer, UsageAggregate row)
    {
        writer.WriteNumber("requests", row.Requests);
        writer.WriteNumber("input_tokens", row.InputTokens);
        writer.WriteNumber("output_tokens", row.OutputTokens);
        writer.WriteNumber("cached_input_tokens", row.CachedInputTokens);
        writer.WriteNumber("reasoning_tokens", row.ReasoningTokens);
        writer.WriteString("cost_usd", UsageScope.Usd(row.CostNanoUsd));
        writer.WriteNumber("errors", row.Errors);
    }

    internal const string CsvHeader =
        "request_id,created_at,partner_id,tenant_id,user_id,api_key_id,model,backend_model,provider_id,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,outcome,error_code,is_stream,latency_ms,ttft_ms";

    /// <summary>
    /// Streams one CSV row per usage record (RFC 4180: CRLF, fields quoted when they hold a comma, quote or
    /// line break). Per record rather than per group so the export reconciles line by line with invoices;
    /// aggregation is what <c>GET /v1/usage</c> is for, so <c>group_by</c> is refused here.
    /// </summary>
    private static async Task ExportAsync(HttpContext context, UsageQueries queries, ScaiGridDatabase database, TimeProvider time)
    {
        if (context.Request.Query.ContainsKey("group_by"))
        {
            throw ScaiGridException.Validation("group_by", "the CSV export has one row per record; use GET /v1/usage for aggregates");
        }

        var filter = await UsageScope.ResolveAsync(context.GetCaller(), context.Request.Query, database, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"usage.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        await writer.WriteAsync(CsvHeader + "\r\n").ConfigureAwait(false);
        var line = new StringBuilder(256);
        await foreach (var r in queries.RecordsAsync(filter, context.RequestAborted).ConfigureAwait(false))
        {
            line.Clear();
            Field(line, r.RequestId).Append(',');
            Field(line, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(',');
            Field(line, r.PartnerId).Append(',');
            Field(line, r.TenantId).Append(',');
            Field(line, r.UserId).Append(',');
            Field(line, r.ApiKeyId).Append(',');
            Field(line, r.FrontendModel).Append(',');
            Field(line, r.BackendModel).Append(',');
            Field(line, r.ProviderId).Append(',');
            line.Append(r.InputTokens).Append(',').Append(r.OutputTokens).Append(',').Append(r.CachedInputTokens).Append(',').Append(r.ReasoningTokens).Append(',');
            line.Append(UsageScope.Usd(r.CostNanoUsd)).Append(',');
            Field(line, r.Outcome).Append(',');
            Field(line, r.ErrorCode).Append(',');
            line.Append(r.IsStream ? "true" : "false").Append(',').Append(r.LatencyMs).Append(',').Append(r.TimeToFirstTokenMs?.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            await writer.WriteAsync(line, context.RequestAborted).ConfigureAwait(false);
        }

        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    internal static StringBuilder Field(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return line;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return line.Append(value);
        }

        return line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
