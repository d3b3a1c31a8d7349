using System.Collections.Frozen;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Core.Accounting;
using ScaiGrid.Core.Models;

namespace ScaiGrid.Core.Tests.Accounting;

public sealed class PricingTests
{
    // 2.5 / 10 / 1.25 USD per million tokens, as nano-USD per million.
    private static readonly BackendEntry Gpt4o = new("gpt-4o", new ProviderTarget { ProviderId = "p", ProviderType = ProviderTypes.OpenAI, BaseUrl = new Uri("http://127.0.0.1"), UpstreamModel = "gpt-4o" },
        FrozenSet<string>.Empty, 2_500_000_000, 10_000_000_000, 1_250_000_000, null, null);

    [Fact]
    public void CostNanoUsd_SplitsCachedInputAndRoundsOnce()
    {
        var usage = new Usage { InputTokens = 1_000, CachedInputTokens = 400, OutputTokens = 333 };

        // 600 × 2500 + 400 × 1250 + 333 × 10000 nano-USD
        Assert.Equal(1_500_000 + 500_000 + 3_330_000, Pricing.CostNanoUsd(Gpt4o, usage));
    }

    [Fact]
    public void CostNanoUsd_FractionalNano_RoundsHalfUp()
    {
        // 0.000375 USD per million tokens: 0.375 nano-USD a token.
        var cheap = Gpt4o with { InputNanoUsdPerMtok = 375_000, OutputNanoUsdPerMtok = 0, CachedInputNanoUsdPerMtok = 0 };

        Assert.Equal(0, Pricing.CostNanoUsd(cheap, new Usage { InputTokens = 1 }));
        Assert.Equal(1, Pricing.CostNanoUsd(cheap, new Usage { InputTokens = 2 }));
        Assert.Equal(2, Pricing.CostNanoUsd(cheap, new Usage { InputTokens = 4 }));
        Assert.Equal(375, Pricing.CostNanoUsd(cheap, new Usage { InputTokens = 1_000 }));
    }

    [Fact]
    public void MaxCost_IsAnUpperBoundOfAnyActualCost()
    {
        var max = Pricing.MaxCostNanoUsd(Gpt4o, 1_000, 500);

        Assert.True(max >= Pricing.CostNanoUsd(Gpt4o, new Usage { InputTokens = 1_000, OutputTokens = 500 }));
        Assert.Equal(2_500_000 + 5_000_000, max);
    }

    [Fact]
    public void FormatUsd_IsExactWithNinePlaces() => Assert.Equal("0.001234500", Pricing.FormatUsd(1_234_500));

    [Fact]
    public void TokenEstimator_UpperBound_CoversEveryByte()
    {
        var request = new ChatRequest { Model = "m", Messages = [ChatMessage.FromText(ChatRole.User, "héllo wörld")] };

        Assert.True(TokenEstimator.InputUpperBound(request) >= System.Text.Encoding.UTF8.GetByteCount("héllo wörld"));
    }

    [Fact]
    public void BudgetWindow_DailyAndMonthly_ResetAtUtcBoundaries()
    {
        var now = new DateTimeOffset(2026, 11, 23, 22, 30, 0, TimeSpan.FromHours(-5));

        var daily = BudgetWindow.For(BudgetWindow.Daily, now);
        var monthly = BudgetWindow.For(BudgetWindow.Monthly, now);

        Assert.Equal("d20261124", daily.Key);
        Assert.Equal("m202611", monthly.Key);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), monthly.EndMs);
        Assert.Null(BudgetWindow.For(BudgetWindow.Total, now).EndMs);
        // 22:30 at UTC-5 is 03:30 UTC on the 24th: 20.5 hours to the next UTC midnight.
        Assert.Equal(73_800, daily.SecondsUntilReset(now));
    }
}
