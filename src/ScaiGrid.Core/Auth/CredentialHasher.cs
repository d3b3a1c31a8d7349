using System.Security.Cryptography;
using System.Text;

namespace ScaiGrid.Core.Auth;

/// <summary>
/// Makes and hashes API keys (<c>sgk_…</c>) and service tokens (<c>sgt_…</c>). Only the hash and a short
/// display/lookup prefix are stored. The hash is HMAC-SHA-256 under a pepper derived from
/// <c>SCAIGRID_SECRET_KEY</c>, so a leaked database alone cannot confirm guesses of weak configured keys.
/// </summary>
public sealed class CredentialHasher
{
    public const string ApiKeyPrefix = "sgk_";
    public const string ServiceTokenPrefix = "sgt_";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int LookupPrefixLength = 12;
    private const int MaxStackCredentialBytes = 512;

    // One HMAC context per thread, reused: a one-shot HMAC sets up a fresh OpenSSL context (algorithm fetch,
    // key schedule) on every call, which showed as ≈ 4 % of CPU when every request hashes its key (issue 8).
    // Tagged with its hasher, so another instance (another pepper) never reuses it.
    [ThreadStatic]
    private static (CredentialHasher Owner, IncrementalHash Hmac)? _perThread;

    private readonly byte[] _pepper;

    public CredentialHasher(byte[] secretKey)
    {
        _pepper = HKDF.DeriveKey(HashAlgorithmName.SHA256, secretKey, 32, info: Encoding.UTF8.GetBytes("scaigrid/credential-hash/v1"));
    }

    /// <summary>A new credential: the prefix and 43 base62 characters (≥ 256 bits of randomness).</summary>
    public static string Generate(string prefix)
    {
        const int length = 43;
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            // GetInt32 draws without modulo bias.
            chars[i] = Base62[RandomNumberGenerator.GetInt32(Base62.Length)];
        }

        return prefix + new string(chars);
    }

    /// <summary>The first characters of a credential, kept to find candidates and to show operators which key is which.</summary>
    public static string LookupPrefix(string credential) =>
        credential.Length <= LookupPrefixLength ? credential : credential[..LookupPrefixLength];

    public string Hash(string credential)
    {
        var hmac = _perThread is { } cached && ReferenceEquals(cached.Owner, this) ? cached.Hmac : NewThreadHmac();
        var byteCount = Encoding.UTF8.GetMaxByteCount(credential.Length);
        var bytes = byteCount <= MaxStackCredentialBytes ? stackalloc byte[MaxStackCredentialBytes] : new byte[byteCount];
        hmac.AppendData(bytes[..Encoding.UTF8.GetBytes(credential, bytes)]);
        Span<byte> mac = stackalloc byte[32];
        hmac.GetHashAndReset(mac);
        return "h1:" + Convert.ToHexStringLower(mac);
    }

    private IncrementalHash NewThreadHmac()
    {
        _perThread?.Hmac.Dispose();
        var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _pepper);
        _perThread = (this, hmac);
        return hmac;
    }

    /// <summary>Constant-time comparison of a presented credential with a stored hash.</summary>
    public bool Verify(string credential, string storedHash) => HashEquals(Hash(credential), storedHash);

    /// <summary>
    /// Constant-time comparison of a hash already computed with <see cref="Hash"/> and a stored one: the
    /// authenticators hash the presented credential once to look it up and compare that same value,
    /// instead of running the HMAC a second time inside <see cref="Verify"/>.
    /// </summary>
    public static bool HashEquals(string computedHash, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(computedHash.AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(storedHash.AsSpan()));
}
