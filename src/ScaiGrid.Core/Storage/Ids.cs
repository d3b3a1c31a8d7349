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

    private const int RandomChars = 20;

    public static string New(string prefix)
    {
        Span<char> chars = stackalloc char[prefix.Length + 1 + RandomChars];
        FillRandom(chars[Prefix(chars, prefix)..]);
        return new string(chars);
    }

    /// <summary>
    /// An id that sorts by creation time (like a ULID): 10 characters of Unix milliseconds, then 16 random
    /// (80 bits). For ids that become primary keys of append-mostly tables — request ids key usage records —
    /// so new rows land at the end of the key's b-tree instead of on a random page each (SQLite wrote and
    /// read ≈ 4 pages per record; InnoDB clusters the table itself on its primary key).
    /// </summary>
    public static string NewSortable(string prefix, DateTimeOffset now)
    {
        Span<char> chars = stackalloc char[prefix.Length + 1 + TimeChars + SortableRandomChars];
        var at = Prefix(chars, prefix);
        var ms = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = TimeChars - 1; i >= 0; i--)
        {
            chars[at + i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        FillRandom(chars[(at + TimeChars)..]);
        return new string(chars);
    }

    /// <summary>Writes <c>{prefix}_</c> and returns where the rest of the id starts.</summary>
    private static int Prefix(Span<char> chars, string prefix)
    {
        prefix.AsSpan().CopyTo(chars);
        chars[prefix.Length] = '_';
        return prefix.Length + 1;
    }

    /// <summary>Random bytes drawn from the OS generator per call of <see cref="RandomNumberGenerator.Fill"/>.</summary>
    private const int RandomPoolBytes = 512;

    // Each thread draws its random bytes in 512-byte blocks: one RandomNumberGenerator.Fill (an OpenSSL
    // RAND_bytes call with its locking, error-queue clearing and fork check) per ≈ 20 ids instead of per id.
    // The bytes are as random as before; a consumed byte is zeroed so the pool never holds a past id's bytes.
    [ThreadStatic]
    private static byte[]? t_randomPool;

    [ThreadStatic]
    private static int t_randomUsed;

    /// <summary>Fills <paramref name="destination"/> with cryptographically random characters of the alphabet (5 bits each).</summary>
    private static void FillRandom(Span<char> destination)
    {
        var pool = t_randomPool;
        if (pool is null || RandomPoolBytes - t_randomUsed < destination.Length)
        {
            pool = t_randomPool ??= new byte[RandomPoolBytes];
            RandomNumberGenerator.Fill(pool);
            t_randomUsed = 0;
        }

        var random = pool.AsSpan(t_randomUsed, destination.Length);
        t_randomUsed += destination.Length;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Alphabet[random[i] & 31];
        }

        random.Clear();
    }
}

/// <summary>Timestamps are stored as Unix milliseconds (UTC) in BIGINT columns: exact and portable.</summary>
public static class UnixMs
{
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToDateTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
