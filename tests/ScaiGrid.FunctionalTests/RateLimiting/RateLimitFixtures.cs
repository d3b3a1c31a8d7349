using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Core.RateLimiting;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.FunctionalTests.RateLimiting;

internal static class RateLimitFixtures
{
    public static StringContent Chat(string model = "test/openai") =>
        new("""{"model":"MODEL","messages":[{"role":"user","content":"hi"}]}""".Replace("MODEL", model, StringComparison.Ordinal), Encoding.UTF8, "application/json");

    public static async Task InsertAsync(ScaiGridDatabase database, string scopeType, string scopeId, int? rpm, long? tpm)
    {
        await using var db = database.Open();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.InsertAsync(new RateLimitRow { Id = "rlm_" + Guid.NewGuid().ToString("N")[..16], ScopeType = scopeType, ScopeId = scopeId, Rpm = rpm, Tpm = tpm, CreatedAt = now, UpdatedAt = now });
    }

    /// <summary>
    /// Fixed windows reset on the minute: a test that needs one whole window starts early enough in it
    /// that its requests cannot straddle a boundary (waits at most <paramref name="needed"/>).
    /// </summary>
    public static async Task EnsureWindowHeadroomAsync(TimeSpan needed)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var left = RateLimiter.WindowMs - (now % RateLimiter.WindowMs);
        if (left < needed.TotalMilliseconds)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(left + 200));
        }
    }

    public static int SecondsLeftInWindow() =>
        (int)((RateLimiter.WindowMs - (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % RateLimiter.WindowMs) + 999) / 1000);

    public static long Header(HttpResponseMessage response, string name) => long.Parse(response.Headers.GetValues(name).Single(), System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
}
