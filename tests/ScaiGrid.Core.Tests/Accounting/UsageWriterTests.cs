using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Testing.Databases;

namespace ScaiGrid.Core.Tests.Accounting;

/// <summary>The usage writer on each engine: every column round-trips, and rewriting a batch never duplicates a record.</summary>
public sealed class UsageWriterTests
{
    private static UsageRecordRow Record(string id, long cost = 1_000, string model = "openai/gpt-4o") => new()
    {
        RequestId = id,
        PartnerId = "p_1",
        TenantId = "t_1",
        UserId = "u_1",
        ApiKeyId = "k_1",
        FrontendModel = model,
        BackendModel = "gpt-eu",
        ProviderId = "openai",
        InputTokens = 120,
        OutputTokens = 30,
        CachedInputTokens = 64,
        ReasoningTokens = 7,
        TimeToFirstTokenMs = 42,
        LatencyMs = 350,
        CostNanoUsd = cost,
        Outcome = UsageOutcomes.Success,
        ErrorCode = null,
        IsStream = true,
        CreatedAt = 1_795_000_000_123,
    };

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Write_StoresEveryColumn_NullsIncluded(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var full = Record("req_full");
        var sparse = new UsageRecordRow
        {
            RequestId = "req_sparse", PartnerId = "p_1", TenantId = "t_1", UserId = "u_1", FrontendModel = "m",
            Outcome = UsageOutcomes.Error, ErrorCode = "UPSTREAM_ERROR", LatencyMs = 5, CreatedAt = 1,
        };

        await new UsageWriter(db.Database).WriteAsync([full, sparse], CancellationToken.None);

        await using var connection = db.Database.Open();
        var rows = await connection.GetTable<UsageRecordRow>().OrderBy(r => r.RequestId).ToListAsync();
        Assert.Equivalent(new[] { full, sparse }, rows, strict: true);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Write_SameIdsAgain_KeepsTheFirstCopyOnly_AcrossAndWithinBatches(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var writer = new UsageWriter(db.Database);
        // More rows than one statement holds, so duplicates span statements of one transaction.
        var first = Enumerable.Range(0, UsageWriter.RowsPerStatement + 30).Select(i => Record($"req_{i:D4}", cost: 10)).ToList();

        await writer.WriteAsync(first, CancellationToken.None);
        var again = first.Take(50).Select(r => Record(r.RequestId, cost: 999))
            .Concat([Record("req_new", cost: 5), Record("req_new", cost: 6)])
            .ToList();
        await writer.WriteAsync(again, CancellationToken.None);

        await using var connection = db.Database.Open();
        Assert.Equal(first.Count + 1, await connection.GetTable<UsageRecordRow>().CountAsync());
        Assert.Equal((first.Count * 10) + 5, await connection.GetTable<UsageRecordRow>().SumAsync(r => r.CostNanoUsd));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Write_ValuesThatLookLikeSql_AreStoredAsData(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        const string hostile = "x'); DELETE FROM usage_records; -- \\' \"";

        await new UsageWriter(db.Database).WriteAsync([Record("req_a"), Record("req_b", model: hostile)], CancellationToken.None);

        await using var connection = db.Database.Open();
        Assert.Equal(2, await connection.GetTable<UsageRecordRow>().CountAsync());
        Assert.Equal(hostile, (await connection.GetTable<UsageRecordRow>().SingleAsync(r => r.RequestId == "req_b")).FrontendModel);
    }
}
