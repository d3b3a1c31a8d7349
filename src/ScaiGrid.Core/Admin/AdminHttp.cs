using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Core.Errors;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Admin;

/// <summary>The shared mechanics of the admin API: JSON in and out, field validation, pagination, not-found.</summary>
public static class AdminHttp
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The same answer for "does not exist" and "outside your scope", so scope leaks nothing.</summary>
    public static ScaiGridException NotFound(string type, string id) => new(ErrorCodes.NotFound, $"No {type} '{id}'.");

    public static ScaiGridException Invalid(string param, string message) => new(ErrorCodes.ValidationError, $"{param}: {message}", param);

    public static ScaiGridException Conflict(string message) => new(ErrorCodes.Conflict, message);

    public static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(node.ToJsonString(), "application/json; charset=utf-8", statusCode: status);

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        var node = await JsonBody.ReadAsync(request, AdminJsonContext.Default.JsonNode, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return node as JsonObject ?? throw new ScaiGridException(ErrorCodes.ValidationError, "The request body must be a JSON object.");
    }

    /// <summary>Rejects fields the resource does not have, so a typo is an error rather than silently ignored.</summary>
    public static void OnlyFields(JsonObject body, params string[] allowed)
    {
        foreach (var (name, _) in body)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw Invalid(name, "is not a field of this resource (or may not be changed)");
            }
        }
    }

    public static string? OptString(JsonObject body, string name, Regex? pattern = null, string? rule = null, int max = 200)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            throw Invalid(name, "must be a string");
        }

        var value = node.GetValue<string>().Trim();
        if (value.Length == 0 || value.Length > max)
        {
            throw Invalid(name, $"must be 1 to {max} characters");
        }

        return pattern is null || pattern.IsMatch(value) ? value : throw Invalid(name, rule ?? "has an invalid format");
    }

    public static string ReqString(JsonObject body, string name, Regex? pattern = null, string? rule = null, int max = 200) =>
        OptString(body, name, pattern, rule, max) ?? throw Invalid(name, "is required");

    public static bool? OptBool(JsonObject body, string name) =>
        !body.TryGetPropertyValue(name, out var node) || node is null ? null
            : node.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? node.GetValue<bool>()
            : throw Invalid(name, "must be true or false");

    public static long? OptLong(JsonObject body, string name, long min = 0, long max = long.MaxValue)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        // Via the JSON text: a node built in code may hold an int or decimal rather than a parsed number.
        if (node.GetValueKind() != JsonValueKind.Number || !long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Invalid(name, "must be a whole number");
        }

        return value >= min && value <= max ? value : throw Invalid(name, $"must be between {min} and {max}");
    }

    public static List<string>? OptStrings(JsonObject body, string name, Regex? pattern = null, string? rule = null)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw Invalid(name, "must be an array of strings");
        }

        var list = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i];
            if (item is null || item.GetValueKind() != JsonValueKind.String)
            {
                throw Invalid($"{name}[{i}]", "must be a string");
            }

            var value = item.GetValue<string>();
            if (pattern is not null && !pattern.IsMatch(value))
            {
                throw Invalid($"{name}[{i}]", rule ?? "has an invalid format");
            }

            list.Add(value);
        }

        return list.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>ISO 8601 time (<c>2027-01-01</c> or with a time) to Unix ms.</summary>
    public static long? OptTime(JsonObject body, string name)
    {
        var text = OptString(body, name, max: 40);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at.ToUnixTimeMilliseconds()
            : throw Invalid(name, "must be an ISO 8601 date or time such as 2027-01-31T00:00:00Z");
    }

    public static string? Iso(long? unixMs) => unixMs is { } ms ? UnixMs.ToDateTime(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) : null;

    public static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    /// <summary><c>limit</c> (1–200, default 50) and <c>cursor</c> (the last id of the previous page).</summary>
    public static (int Limit, string? Cursor) Paging(HttpRequest request)
    {
        var limit = DefaultLimit;
        if (request.Query["limit"] is { Count: > 0 } raw)
        {
            if (!int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit)
            {
                throw Invalid("limit", $"must be a whole number from 1 to {MaxLimit}");
            }
        }

        var cursor = request.Query["cursor"] is { Count: > 0 } c && !string.IsNullOrEmpty(c[0]) ? c[0] : null;
        return (limit, cursor);
    }

    public static string? Filter(HttpRequest request, string name) =>
        request.Query[name] is { Count: > 0 } v && !string.IsNullOrWhiteSpace(v[0]) ? v[0]!.Trim() : null;

    /// <summary>
    /// Keyset pagination in SQL by the row's <c>Id</c> (ids are random, so the order is stable but not
    /// chronological): one more row than asked tells whether there is a next page.
    /// </summary>
    public static async Task<JsonObject> PageAsync<T>(IQueryable<T> query, HttpRequest request, Func<T, JsonObject> render, CancellationToken cancellationToken)
        where T : class
    {
        var (limit, cursor) = Paging(request);
        var row = Expression.Parameter(typeof(T), "r");
        var id = Expression.Lambda<Func<T, string>>(Expression.Property(row, "Id"), row);
        if (cursor is not null)
        {
            var after = Expression.Lambda<Func<T, bool>>(
                Expression.GreaterThan(
                    Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, Expression.Property(row, "Id"), Expression.Constant(cursor)),
                    Expression.Constant(0)),
                row);
            query = query.Where(after);
        }

        var rows = await query.OrderBy(id).Take(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
        var more = rows.Count > limit;
        var page = more ? rows.GetRange(0, limit) : rows;
        var compiledId = id.Compile();
        return new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(r => (JsonNode?)render(r))]),
            ["next_cursor"] = more ? compiledId(page[^1]) : null,
        };
    }
}

[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
