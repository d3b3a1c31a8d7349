using System.Globalization;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.AspNetCore.Http;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;

namespace ScaiGrid.Core.Accounting.UsageApi;

/// <summary>Which dimensions a usage report is grouped by.</summary>
[Flags]
public enum UsageGroups
{
    None = 0,
    Day = 1,
    Model = 2,
    User = 4,
    Key = 8,
}

/// <summary>
/// A usage query after scoping: the caller's fixed bounds (partner, tenant, user) merged with its own
/// filters. Every non-null field becomes an equality predicate in SQL; the window is [FromMs, ToMs).
/// </summary>
public sealed record UsageFilter(long FromMs, long ToMs, string? PartnerId, string? TenantId, string? UserId, string? ApiKeyId, string? Model);

/// <summary>Turns the caller and the query string into a <see cref="UsageFilter"/>, enforcing scope.</summary>
internal static class UsageScope
{
    public const long DayMs = 86_400_000;

    /// <summary>
    /// platform_admin sees everything, partner_admin its partner, tenant_admin its tenant, anyone else only
    /// their own usage. A <c>tenant_id</c> (or, for members, <c>user_id</c>) outside that scope is 404, the
    /// same answer as for one that does not exist, so ids of other tenants cannot be probed.
    /// </summary>
    public static async Task<UsageFilter> ResolveAsync(CallerContext caller, IQueryCollection query, ScaiGridDatabase database, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (from, to) = Window(query, now);
        var tenantId = Single(query, "tenant_id");
        var userId = Single(query, "user_id");
        var filter = new UsageFilter(from, to, null, null, userId, Single(query, "api_key_id"), Single(query, "model"));

        if (caller.Roles.Contains(Roles.PlatformAdmin))
        {
            if (tenantId is not null)
            {
                await RequireTenantAsync(database, tenantId, partnerId: null, cancellationToken).ConfigureAwait(false);
            }

            return filter with { TenantId = tenantId };
        }

        if (caller.Roles.Contains(Roles.PartnerAdmin))
        {
            if (tenantId is not null)
            {
                await RequireTenantAsync(database, tenantId, caller.PartnerId, cancellationToken).ConfigureAwait(false);
            }

            return filter with { PartnerId = caller.PartnerId, TenantId = tenantId };
        }

        if (tenantId is not null && tenantId != caller.TenantId)
        {
            throw ScaiGridException.NotFound($"Tenant '{tenantId}'");
        }

        if (caller.Roles.Contains(Roles.TenantAdmin))
        {
            return filter with { PartnerId = caller.PartnerId, TenantId = caller.TenantId };
        }

        if (userId is not null && userId != caller.UserId)
        {
            throw ScaiGridException.NotFound($"User '{userId}'");
        }

        return filter with { PartnerId = caller.PartnerId, TenantId = caller.TenantId, UserId = caller.UserId };
    }

    public static UsageGroups ParseGroups(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return UsageGroups.Day;
        }

        var groups = UsageGroups.None;
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            groups |= part switch
            {
                "day" => UsageGroups.Day,
                "model" => UsageGroups.Model,
                "user" => UsageGroups.User,
                "key" => UsageGroups.Key,
                _ => throw ScaiGridException.Validation("group_by", $"unknown dimension '{part}' (expected day, model, user, key or a comma-separated combination)"),
            };
        }

        return groups;
    }

    /// <summary>Nano-USD as an exact decimal string with nine places: 1234500 → "0.001234500".</summary>
    public static string Usd(long nanoUsd) => (nanoUsd / 1_000_000_000m).ToString("F9", CultureInfo.InvariantCulture);

    public static string Day(long dayStartMs) => DateTimeOffset.FromUnixTimeMilliseconds(dayStartMs).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary><c>from</c> and <c>to</c> are whole UTC days, both inclusive; the default is the last 30 days including today.</summary>
    private static (long From, long To) Window(IQueryCollection query, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var to = ParseDate(query, "to") ?? today;
        var from = ParseDate(query, "from") ?? to.AddDays(-29);
        if (from > to)
        {
            throw ScaiGridException.Validation("from", "must not be after 'to'");
        }

        return (StartMs(from), StartMs(to.AddDays(1)));
    }

    private static long StartMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static DateOnly? ParseDate(IQueryCollection query, string name)
    {
        if (Single(query, name) is not { } raw)
        {
            return null;
        }

        return DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw ScaiGridException.Validation(name, $"'{raw}' is not an ISO date such as 2026-11-23");
    }

    private static string? Single(IQueryCollection query, string name)
    {
        var values = query[name];
        if (values.Count > 1)
        {
            throw ScaiGridException.Validation(name, "give it once");
        }

        return values.Count == 1 && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;
    }

    private static async Task RequireTenantAsync(ScaiGridDatabase database, string tenantId, string? partnerId, CancellationToken cancellationToken)
    {
        await using var db = database.Open();
        var exists = await db.GetTable<TenantRow>()
            .AnyAsync(t => t.Id == tenantId && (partnerId == null || t.PartnerId == partnerId), cancellationToken).ConfigureAwait(false);
        if (!exists)
        {
            throw ScaiGridException.NotFound($"Tenant '{tenantId}'");
        }
    }
}
