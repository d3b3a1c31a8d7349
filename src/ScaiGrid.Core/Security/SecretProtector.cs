using System.Security.Cryptography;
using System.Text;

namespace ScaiGrid.Core.Security;

/// <summary>
/// Encrypts provider credentials at rest with AES-256-GCM under <c>SCAIGRID_SECRET_KEY</c>. The
/// stored form is <c>v1:</c> + base64(nonce ‖ ciphertext ‖ tag); the row id is bound in as associated
/// data, so a ciphertext copied onto another provider row does not decrypt.
/// </summary>
public sealed class SecretProtector
{
    private const string Version = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("the secret key must be 32 bytes", nameof(key));
        }

        _key = key;
    }

    public string Protect(string plaintext, string associatedData)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + plain.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize, plain.Length), output.AsSpan(NonceSize + plain.Length, TagSize), Encoding.UTF8.GetBytes(associatedData));
        CryptographicOperations.ZeroMemory(plain);
        return Version + Convert.ToBase64String(output);
    }

    public string Unprotect(string stored, string associatedData)
    {
        if (!stored.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("unknown secret format");
        }

        var data = Convert.FromBase64String(stored[Version.Length..]);
        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("secret is truncated");
        }

        var length = data.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize, length), data.AsSpan(NonceSize + length, TagSize), plain, Encoding.UTF8.GetBytes(associatedData));
        return Encoding.UTF8.GetString(plain);
    }
}
