using System.Globalization;

namespace ScaiGrid.Core.Accounting;

/// <summary>A budget period's current window: a stable key, its bounds in Unix ms, and when it resets.</summary>
public readonly record struct BudgetWindow(string Key, long StartMs, long? EndMs)
{
    public const string Daily = "daily";
    public const string Monthly = "monthly";
    public const string Total = "total";

    /// <summary>Windows are UTC calendar days and months; <c>total</c> never resets.</summary>
    public static BudgetWindow For(string period, DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        switch (period)
        {
            case Daily:
                var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
                return new BudgetWindow("d" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture), day.ToUnixTimeMilliseconds(), day.AddDays(1).ToUnixTimeMilliseconds());
            case Monthly:
                var month = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
                return new BudgetWindow("m" + month.ToString("yyyyMM", CultureInfo.InvariantCulture), month.ToUnixTimeMilliseconds(), month.AddMonths(1).ToUnixTimeMilliseconds());
            default:
                return new BudgetWindow("t", 0, null);
        }
    }

    /// <summary>How long counters of this window must live: to its end plus a day of slack.</summary>
    public TimeSpan? Ttl(DateTimeOffset now) => EndMs is { } end ? TimeSpan.FromMilliseconds(Math.Max(0, end - now.ToUnixTimeMilliseconds())) + TimeSpan.FromDays(1) : null;

    public int? SecondsUntilReset(DateTimeOffset now) => EndMs is { } end ? (int)Math.Ceiling(Math.Max(1, end - now.ToUnixTimeMilliseconds()) / 1000.0) : null;
}
