using System.Net;
using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Storage;
using ScaiGrid.FunctionalTests.Inference;
using ScaiGrid.Testing.Fakes;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Accounting;

/// <summary>Usage records and budgets through the real server on the embedded default.</summary>
public sealed class AccountingFlowTests : IAsyncLifetime
{
    private GatewayWithFakes _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayWithFakes.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private ScaiGridDatabase Database => _gateway.Server.Services.GetRequiredService<ScaiGridDatabase>();

    private static StringContent Chat(string model, bool stream = false, int maxTokens = 100) =>
        new(JsonSerializer.Serialize(new { model, stream, max_output_tokens = maxTokens, messages = new[] { new { role = "user", content = "Hello?" } } }), Encoding.UTF8, "application/json");

    private async Task AddTenantBudgetAsync(string period, long limitNanoUsd)
    {
        await using (var db = Database.Open())
        {
            await db.InsertAsync(new BudgetRow { Id = Ids.New("bud"), ScopeType = "tenant", ScopeId = "ten_default", Period = period, LimitNanoUsd = limitNanoUsd, SoftThresholdPct = 80, CreatedAt = UnixMs.Now(), UpdatedAt = UnixMs.Now() });
        }

        await _gateway.Server.Services.GetRequiredService<BudgetCatalog>().ReloadAsync(CancellationToken.None);
    }

    private async Task<UsageRecordRow> UsageOfAsync(string requestId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using var db = Database.Open();
            var row = await db.GetTable<UsageRecordRow>().FirstOrDefaultAsync(r => r.RequestId == requestId);
            if (row is not null)
            {
                return row;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no usage record for {requestId}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Chat_RecordsUsageWithExactCost()
    {
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/openai"));
        var requestId = response.Headers.GetValues("X-Request-ID").Single();

        var usage = await UsageOfAsync(requestId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ten_default", usage.TenantId);
        Assert.Equal("ptn_default", usage.PartnerId);
        Assert.Equal("test/openai", usage.FrontendModel);
        Assert.Equal("openai-gpt", usage.BackendModel);
        Assert.Equal("openai-fake", usage.ProviderId);
        Assert.Equal(12, usage.InputTokens);
        Assert.Equal(7, usage.OutputTokens);
        // 12 × 0.15 + 7 × 0.6 USD per million tokens = 1800 + 4200 nano-USD.
        Assert.Equal(6_000, usage.CostNanoUsd);
        Assert.Equal("success", usage.Outcome);
        Assert.False(usage.IsStream);
        Assert.True(usage.LatencyMs >= 0);
    }

    [Fact]
    public async Task Budget_Exhausted_Is429BeforeAnyUpstreamCall()
    {
        await AddTenantBudgetAsync(BudgetWindow.Monthly, 1_000);

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/openai"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("BUDGET_EXCEEDED", error.GetProperty("code").GetString());
        Assert.Equal("monthly", error.GetProperty("details").GetProperty("period").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(0, _gateway.OpenAI.CallCount);
    }

    [Fact]
    public async Task Budget_WithRoom_ReservesThenSettlesToTheActualCost()
    {
        await AddTenantBudgetAsync(BudgetWindow.Total, 1_000_000_000);
        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/openai"));
        var usage = await UsageOfAsync(response.Headers.GetValues("X-Request-ID").Single());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(6_000, usage.CostNanoUsd);
        var ledger = _gateway.Server.Services.GetRequiredService<IBudgetLedger>();
        await using var db = Database.Open();
        var budget = await db.GetTable<BudgetRow>().SingleAsync();
        Assert.Equal((6_000L, 0L), await ledger.ReadAsync($"{budget.Id}:t"));
        Assert.Equal(100, _gateway.OpenAI.LastRequest.Json.GetProperty("max_completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_ClientDisconnects_RecordsConsumedTokensAndReleasesTheReservation()
    {
        await AddTenantBudgetAsync(BudgetWindow.Total, 1_000_000_000);
        _gateway.OpenAI.Enqueue(new FakeScenario { Kind = FakeScenarioKind.SlowStream, Delay = TimeSpan.FromMilliseconds(300), Chunks = 20, Text = new string('a', 200) });
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = _gateway.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Chat("test/openai", stream: true) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var requestId = response.Headers.GetValues("X-Request-ID").Single();
        await NativeSse.ReadAllAsync(response, stopAfter: 3);
        response.Dispose();

        var usage = await UsageOfAsync(requestId);

        Assert.Equal("client_cancelled", usage.Outcome);
        Assert.True(usage.IsStream);
        Assert.True(usage.OutputTokens > 0, "tokens streamed before the cut are counted");
        Assert.True(usage.InputTokens > 0);
        Assert.True(usage.CostNanoUsd > 0);
        var ledger = _gateway.Server.Services.GetRequiredService<IBudgetLedger>();
        await using var db = Database.Open();
        var budget = await db.GetTable<BudgetRow>().SingleAsync();
        Assert.Equal((usage.CostNanoUsd, 0L), await ledger.ReadAsync($"{budget.Id}:t"));
    }

    [Fact]
    public async Task FailedRequest_RecordsAnErrorOutcomeWithoutCost()
    {
        _gateway.OpenAI.Enqueue(FakeScenario.Fail(400, message: "bad input"));

        var response = await _gateway.Client.PostAsync("/v1/inference/chat", Chat("test/openai"));
        var usage = await UsageOfAsync(response.Headers.GetValues("X-Request-ID").Single());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", usage.Outcome);
        Assert.Equal("UPSTREAM_BAD_REQUEST", usage.ErrorCode);
        Assert.Equal(0, usage.CostNanoUsd);
    }

    [Fact]
    public async Task ReusedClientRequestId_StillRecordsEveryRequest()
    {
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inference/chat") { Content = Chat("test/openai") };
            request.Headers.Add("X-Request-ID", "client-reused-id");
            using var response = await _gateway.Client.SendAsync(request);
            Assert.Equal("client-reused-id", response.Headers.GetValues("X-Request-ID").Single());
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<UsageRecordRow> rows;
        do
        {
            await Task.Delay(100);
            await using var db = Database.Open();
            rows = await db.GetTable<UsageRecordRow>().Where(r => r.RequestId.StartsWith("client-reused-id~")).ToListAsync();
        }
        while (rows.Count < 3 && DateTime.UtcNow < deadline);

        Assert.Equal(3, rows.Select(r => r.RequestId).Distinct().Count());
        Assert.All(rows, r => Assert.Equal(6_000, r.CostNanoUsd));
    }
}
