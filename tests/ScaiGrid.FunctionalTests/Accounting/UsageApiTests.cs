using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.FunctionalTests.Accounting;

/// <summary>GET /v1/usage and the CSV export on SQLite and MariaDB: aggregation, exact cost, scoping, CSV shape.</summary>
public sealed class UsageApiTests
{
    private const string March = "from=2025-03-10&to=2025-03-11";

    public static TheoryData<string> Engines => TestDatabase.Engines;

    private static async Task<JsonElement> GetAsync(UsageApiFixture fixture, string token, string query)
    {
        using var response = await fixture.Client(token).GetAsync("/v1/usage?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Row(JsonElement row, params string[] dimensions) =>
        string.Join("|", dimensions.Select(d => row.GetProperty(d).ValueKind == JsonValueKind.Null ? "null" : row.GetProperty(d).ToString()));

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Usage_GroupByDayAndModel_AggregatesPerBucketWithExactCostAndTotals(string engine)
    {
        await using var fixture = await UsageApiFixture.StartAsync(engine);

        var body = await GetAsync(fixture, "platform", $"{March}&tenant_id={DefaultTenancy.TenantId}&group_by=day,model");

        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(
            ["2025-03-10|openai/gpt-4o|1|100|50|10|5|0.001234500|0", "2025-03-11|anthropic/claude|1|10|20|0|0|0.000000001|0", "2025-03-11|openai/gpt-4o|1|200|100|0|0|2.000000000|1"],
            data.Select(r => Row(r, "day", "model", "requests", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "cost_usd", "errors")));
        Assert.False(data[0].TryGetProperty("user_id", out _));
        var totals = body.GetProperty("totals");
        Assert.Equal("3|310|170|10|5|2.001234501|1", Row(totals, "requests", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "cost_usd", "errors"));
        Assert.Equal("2025-03-10", body.GetProperty("from").GetString());
        Assert.Equal("2025-03-11", body.GetProperty("to").GetString());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Usage_EachRole_SeesExactlyItsScope(string engine)
    {
        await using var fixture = await UsageApiFixture.StartAsync(engine);

        var platform = await GetAsync(fixture, "platform", $"{March}&group_by=model");
        var partner = await GetAsync(fixture, "partner", $"{March}&group_by=model");
        var tenant = await GetAsync(fixture, "tenant", $"{March}&group_by=user,key");
        var member = await GetAsync(fixture, "member", $"{March}&group_by=day");

        Assert.Equal(5, platform.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Contains(platform.GetProperty("data").EnumerateArray(), r => r.GetProperty("model").GetString() == UsageApiFixture.WeirdModel);
        Assert.Equal(4, partner.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.DoesNotContain(partner.GetProperty("data").EnumerateArray(), r => r.GetProperty("model").GetString() == UsageApiFixture.WeirdModel);
        Assert.Equal(["usr_a|key_a|2", "usr_b|null|1"], tenant.GetProperty("data").EnumerateArray().Select(r => Row(r, "user_id", "api_key_id", "requests")));
        Assert.Equal(["2025-03-10|1", "2025-03-11|1"], member.GetProperty("data").EnumerateArray().Select(r => Row(r, "day", "requests")));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Usage_TenantOutsideScope_Returns404AsIfItDidNotExist(string engine)
    {
        await using var fixture = await UsageApiFixture.StartAsync(engine);

        foreach (var (token, query) in new[]
                 {
                     ("tenant", $"tenant_id={UsageApiFixture.OtherTenant}"),
                     ("partner", $"tenant_id={UsageApiFixture.ForeignTenant}"),
                     ("member", "user_id=usr_b"),
                     ("platform", "tenant_id=ten_missing"),
                 })
        {
            using var response = await fixture.Client(token).GetAsync("/v1/usage?" + query);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
        }

        var partnerOwn = await GetAsync(fixture, "partner", $"{March}&tenant_id={UsageApiFixture.OtherTenant}");
        Assert.Equal(1, partnerOwn.GetProperty("totals").GetProperty("requests").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Usage_FiltersAndDefaultWindow_NarrowTheRecords(string engine)
    {
        await using var fixture = await UsageApiFixture.StartAsync(engine);

        var byKeyAndModel = await GetAsync(fixture, "platform", "from=2025-03-01&to=2025-03-31&api_key_id=key_a&model=openai/gpt-4o&user_id=usr_a&group_by=day");
        var lastThirtyDays = await GetAsync(fixture, "platform", $"tenant_id={UsageApiFixture.NowTenant}");

        Assert.Equal(["2025-03-10|1", "2025-03-11|1", "2025-03-12|1"], byKeyAndModel.GetProperty("data").EnumerateArray().Select(r => Row(r, "day", "requests")));
        Assert.Equal(1, lastThirtyDays.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal("0.000000003", lastThirtyDays.GetProperty("totals").GetProperty("cost_usd").GetString());
    }

    [Fact]
    public async Task Usage_UnknownGroupOrBadDate_ReturnsValidationError()
    {
        await using var fixture = await UsageApiFixture.StartAsync("sqlite");

        foreach (var query in new[] { "group_by=week", "from=23-11-2026", "from=2025-03-12&to=2025-03-10" })
        {
            using var response = await fixture.Client("platform").GetAsync("/v1/usage?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("VALIDATION_ERROR", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Export_Csv_OneQuotedRowPerRecordInScope(string engine)
    {
        await using var fixture = await UsageApiFixture.StartAsync(engine);

        using var response = await fixture.Client("platform").GetAsync($"/v1/usage/export.csv?{March}");
        using var member = await fixture.Client("member").GetAsync($"/v1/usage/export.csv?{March}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "request_id,created_at,partner_id,tenant_id,user_id,api_key_id,model,backend_model,provider_id,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,outcome,error_code,is_stream,latency_ms,ttft_ms",
            lines[0]);
        Assert.Equal(["req_1", "req_2", "req_4", "req_5", "req_3"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal("req_1,2025-03-10T10:00:00.000Z,ptn_default,ten_default,usr_a,key_a,openai/gpt-4o,backend-1,prov-1,100,50,10,5,0.001234500,success,,false,120,40", lines[1]);
        Assert.Contains(",\"weird,\"\"model\"\"\",", lines[4], StringComparison.Ordinal);
        Assert.Contains("UPSTREAM_ERROR", lines[2], StringComparison.Ordinal);

        var memberLines = (await member.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["req_1", "req_2"], memberLines.Skip(1).Select(l => l.Split(',')[0]));
    }
}
