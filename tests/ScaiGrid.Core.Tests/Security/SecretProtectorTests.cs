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
}
