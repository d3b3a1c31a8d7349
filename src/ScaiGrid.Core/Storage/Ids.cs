using System.Security.Cryptography;

namespace ScaiGrid.Core.Storage;

/// <summary>
/// Primary keys: a short type prefix and 20 random base32 characters, e.g. <c>ten_4k2…</c>.
/// Random (not sequential) so replicas and Galera nodes never collide and ids leak no counts.
/// </summary>
public static class Ids
{
    // Ascending in ASCII, so a fixed-width number written in it sorts as text the way it sorts as a number.
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int TimeChars = 10;
    private const int SortableRandomChars = 16;

    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[20];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(prefix.Length + 1 + bytes.Length, (prefix, bytes.ToArray()), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            for (var i = 0; i < state.Item2.Length; i++)
            {
                span[state.prefix.Length + 1 + i] = Alphabet[state.Item2[i] & 31];
            }
        });
    }

    /// <summary>
    /// An id that sorts by creation time (like a ULID): 10 characters of Unix milliseconds, then 16 random
    /// (80 bits). For ids that become primary keys of append-mostly tables — request ids key usage records —
    /// so new rows land at the end of the key's b-tree instead of on a random page each (SQLite wrote and
    /// read ≈ 4 pages per record; InnoDB clusters the table itself on its primary key).
    /// </summary>
    public static string NewSortable(string prefix, DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[SortableRandomChars];
        RandomNumberGenerator.Fill(random);
        var ms = (ulong)now.ToUnixTimeMilliseconds();
        Span<char> chars = stackalloc char[prefix.Length + 1 + TimeChars + SortableRandomChars];
        prefix.AsSpan().CopyTo(chars);
        chars[prefix.Length] = '_';
        var at = prefix.Length + 1;
        for (var i = TimeChars - 1; i >= 0; i--)
        {
            chars[at + i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        for (var i = 0; i < SortableRandomChars; i++)
        {
            chars[at + TimeChars + i] = Alphabet[random[i] & 31];
        }

        return new string(chars);
    }
}

/// <summary>Timestamps are stored as Unix milliseconds (UTC) in BIGINT columns: exact and portable.</summary>
public static class UnixMs
{
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToDateTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
