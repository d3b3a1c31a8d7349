using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Tests.Storage;

public sealed class IdsTests
{
    [Fact]
    public void NewSortable_OrdersByTimeAsText_AndKeepsEightyRandomBits()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000);
        var ids = Enumerable.Range(0, 2_000).Select(i => Ids.NewSortable("req", start.AddMilliseconds(i * 37L))).ToList();

        Assert.All(ids, id => Assert.Matches("^req_[0-9a-hjkmnp-tv-z]{26}$", id));
        Assert.Equal(ids, ids.OrderBy(id => id, StringComparer.Ordinal).ToList());
        // Same millisecond: the random part differs.
        Assert.Equal(1_000, Enumerable.Range(0, 1_000).Select(_ => Ids.NewSortable("req", start)).Distinct().Count());
        Assert.Equal(ids[0][..14], Ids.NewSortable("req", start)[..14]);
    }

    [Fact]
    public void NewSortable_TimePart_SurvivesTheNextCenturies()
    {
        var early = Ids.NewSortable("req", DateTimeOffset.FromUnixTimeMilliseconds(0));
        var late = Ids.NewSortable("req", new DateTimeOffset(2999, 12, 31, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal("req_0000000000", early[..14]);
        Assert.True(string.CompareOrdinal(early, late) < 0);
    }

    [Fact]
    public void New_FromManyThreadsAcrossRandomPoolRefills_IsUniqueAndUsesTheWholeAlphabet()
    {
        // 8 threads × 5,000 ids × 20 random bytes: each thread's 512-byte pool refills ≈ 200 times, mid-id included.
        var perThread = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
            .Select(_ => Enumerable.Range(0, 5_000).Select(i => i % 2 == 0 ? Ids.New("ten") : Ids.NewSortable("req", DateTimeOffset.UnixEpoch)).ToList())
            .ToList();
        var all = perThread.SelectMany(ids => ids).ToList();

        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, id => Assert.Matches("^(ten_[0-9a-hjkmnp-tv-z]{20}|req_0{10}[0-9a-hjkmnp-tv-z]{16})$", id));
        var randomChars = all.SelectMany(id => id[^16..]).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(32, randomChars.Count);
        // Uniform: 640,000 characters, 20,000 expected per symbol; a stuck or zeroed pool would skew this far more.
        Assert.All(randomChars.Values, count => Assert.InRange(count, 18_500, 21_500));
    }
}
