using System.Security.Cryptography;

namespace ScaiGrid.Core.Storage;

/// <summary>
/// Primary keys: a short type prefix and 20 random base32 characters, e.g. <c>ten_4k2…</c>.
/// Random (not sequential) so replicas and Galera nodes never collide and ids leak no counts.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

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
}

/// <summary>Timestamps are stored as Unix milliseconds (UTC) in BIGINT columns: exact and portable.</summary>
public static class UnixMs
{
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToDateTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
