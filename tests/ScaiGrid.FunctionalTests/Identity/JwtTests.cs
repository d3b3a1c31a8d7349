using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Identity;

/// <summary>JWT bearer against a JWKS this test serves on loopback, with RSA keys it generates.</summary>
public sealed class JwtTests : IAsyncLifetime
{
    private const string Issuer = "https://idp.test";
    private const string Audience = "scaigrid";
    private readonly RsaSecurityKey _key1 = new(RSA.Create(2048)) { KeyId = "k1" };
    private readonly RsaSecurityKey _key2 = new(RSA.Create(2048)) { KeyId = "k2" };
    private readonly RsaSecurityKey _stranger = new(RSA.Create(2048)) { KeyId = "k-unknown" };
    private WebApplication _idp = null!;
    private ScaiGridServer _server = null!;
    private volatile string _jwks = string.Empty;

    public async Task InitializeAsync()
    {
        _jwks = Jwks(_key1);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _idp = builder.Build();
        _idp.MapGet("/jwks", () => Results.Content(_jwks, "application/json"));
        await _idp.StartAsync();
        var idpAddress = _idp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_JWT_ISSUER"] = Issuer;
        env["SCAIGRID_JWT_AUDIENCE"] = Audience;
        env["SCAIGRID_JWT_JWKS_URL"] = idpAddress + "/jwks";
        env["SCAIGRID_JWT_AUTO_PROVISION"] = "true";
        _server = await ScaiGridServer.StartAsync(env);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private static string Jwks(params RsaSecurityKey[] keys) => new JsonObject
    {
        ["keys"] = new JsonArray([.. keys.Select(k =>
        {
            var p = k.Rsa.ExportParameters(false);
            return (JsonNode)new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = k.KeyId, ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
        })]),
    }.ToJsonString();

    private static string Token(SecurityKey key, string issuer = Issuer, string audience = Audience, DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = exp.AddMinutes(-20),
            NotBefore = exp.AddMinutes(-20),
            Expires = exp,
            Claims = new Dictionary<string, object> { ["sub"] = "alice-123", ["tenant"] = "default", ["email"] = "alice@idp.test", ["roles"] = new[] { "tenant_admin" } },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task<(int Status, string? Code)> CallAsync(string token)
    {
        var (status, json, _) = await IdentityWorld.SendAsync(_server.CreateClient(token), HttpMethod.Get, "/v1/admin/users");
        return (status, IdentityWorld.ErrorCode(json));
    }

    [Fact]
    public async Task ValidToken_Works_AndProvisionsTheUser()
    {
        var (status, _) = await CallAsync(Token(_key1));
        var (_, json, _) = await IdentityWorld.SendAsync(_server.CreateClient(Token(_key1)), HttpMethod.Get, "/v1/admin/users?email=alice@idp.test");

        Assert.Equal(200, status);
        Assert.Single(json!["data"]!.AsArray());
    }

    [Fact]
    public async Task BadTokens_Are401InvalidCredentials()
    {
        var valid = Token(_key1);
        var parts = valid.Split('.');
        var none = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        var tamperedPayload = Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace("alice-123", "mallory-1", StringComparison.Ordinal));
        var cases = new Dictionary<string, string>
        {
            ["expired"] = Token(_key1, expires: DateTime.UtcNow.AddMinutes(-10)),
            ["wrong issuer"] = Token(_key1, issuer: "https://evil.test"),
            ["wrong audience"] = Token(_key1, audience: "someone-else"),
            ["alg none"] = none,
            ["unknown kid"] = Token(_stranger),
            ["tampered payload"] = parts[0] + "." + tamperedPayload + "." + parts[2],
            ["tampered signature"] = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..],
        };

        foreach (var (name, token) in cases)
        {
            Assert.True((401, "INVALID_CREDENTIALS") == await CallAsync(token), name);
        }
    }

    [Fact]
    public async Task RotatedKey_NewKidInJwks_IsPickedUp()
    {
        Assert.Equal(200, (await CallAsync(Token(_key1))).Status);
        _jwks = Jwks(_key2);

        var until = DateTime.UtcNow.AddSeconds(6);
        var status = 0;
        while (DateTime.UtcNow < until && status != 200)
        {
            status = (await CallAsync(Token(_key2))).Status;
            await Task.Delay(200);
        }

        Assert.Equal(200, status);
    }

    [Fact]
    public void AlgNone_InSettings_IsRefused()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_JWT_ISSUER"] = Issuer;
        env["SCAIGRID_JWT_AUDIENCE"] = Audience;
        env["SCAIGRID_JWT_JWKS_URL"] = "http://127.0.0.1:1/jwks";
        env["SCAIGRID_JWT_ALGORITHMS"] = "RS256,none";

        var error = Assert.Throws<ScaiGrid.Core.Configuration.ConfigurationException>(() => ScaiGrid.Core.Configuration.ScaiGridSettings.FromEnvironment(env));
        Assert.Contains("SCAIGRID_JWT_ALGORITHMS", error.Message, StringComparison.Ordinal);
    }
}
