using System.Security.Cryptography;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Security;

namespace ScaiGrid.Core.Tests.Security;

public sealed class SecretProtectorTests
{
    private readonly SecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Protect_RoundTrips_AndHidesThePlaintext()
    {
        var stored = _protector.Protect("sk-live-abc123", "openai-main");

        Assert.StartsWith("v1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live-abc123", stored, StringComparison.Ordinal);
        Assert.NotEqual(stored, _protector.Protect("sk-live-abc123", "openai-main"));
        Assert.Equal("sk-live-abc123", _protector.Unprotect(stored, "openai-main"));
    }

    [Fact]
    public void Unprotect_OtherRowOrTamperedOrOtherKey_Fails()
    {
        var stored = _protector.Protect("sk-live-abc123", "openai-main");
        var bytes = Convert.FromBase64String(stored[3..]);
        bytes[^1] ^= 1;
        var tampered = "v1:" + Convert.ToBase64String(bytes);

        Assert.ThrowsAny<CryptographicException>(() => _protector.Unprotect(stored, "anthropic-main"));
        Assert.ThrowsAny<CryptographicException>(() => _protector.Unprotect(tampered, "openai-main"));
        Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(stored, "openai-main"));
    }

    [Fact]
    public void CredentialHasher_GeneratedKey_HasFormatAndVerifies()
    {
        var hasher = new CredentialHasher(RandomNumberGenerator.GetBytes(32));
        var key = CredentialHasher.Generate(CredentialHasher.ApiKeyPrefix);

        Assert.Matches("^sgk_[0-9A-Za-z]{43}$", key);
        var hash = hasher.Hash(key);
        Assert.DoesNotContain(key[4..], hash, StringComparison.Ordinal);
        Assert.True(hasher.Verify(key, hash));
        Assert.False(hasher.Verify(key + "x", hash));
        Assert.Equal(key[..12], CredentialHasher.LookupPrefix(key));
        Assert.NotEqual(key, CredentialHasher.Generate(CredentialHasher.ApiKeyPrefix));
    }

    [Fact]
    public async Task CredentialHasher_ReusedPerThreadContexts_GiveTheStoredFormatForEveryHasherAndThread()
    {
        var secretA = RandomNumberGenerator.GetBytes(32);
        var secretB = RandomNumberGenerator.GetBytes(32);
        var a = new CredentialHasher(secretA);
        var b = new CredentialHasher(secretB);
        // The stored format, computed independently: "h1:" + hex(HMAC-SHA-256(HKDF(secret), utf8(credential))).
        static string Expected(byte[] secret, string credential)
        {
            var pepper = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: System.Text.Encoding.UTF8.GetBytes("scaigrid/credential-hash/v1"));
            return "h1:" + Convert.ToHexStringLower(HMACSHA256.HashData(pepper, System.Text.Encoding.UTF8.GetBytes(credential)));
        }

        var longKey = "sgk_" + new string('x', 2_000) + "é";
        var checks = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            var key = $"sgk_key_{i}_ünïcode";
            // Interleaved on one thread: a context must never carry over between hashers or calls.
            return a.Hash(key) == Expected(secretA, key)
                && b.Hash(key) == Expected(secretB, key)
                && a.Hash(key) == Expected(secretA, key)
                && a.Hash(longKey) == Expected(secretA, longKey)
                && b.Hash("") == Expected(secretB, "");
        })));

        Assert.All(checks, Assert.True);
    }
}
