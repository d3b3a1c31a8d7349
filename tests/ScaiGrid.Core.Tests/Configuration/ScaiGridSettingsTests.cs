using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Core.Configuration;

namespace ScaiGrid.Core.Tests.Configuration;

public sealed class ScaiGridSettingsTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "scaigrid-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Env(params (string Key, string Value)[] pairs)
    {
        var env = new Dictionary<string, string?> { ["SCAIGRID_DATA_DIR"] = _dataDir };
        foreach (var (k, v) in pairs)
        {
            env[k] = v;
        }

        return env;
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, true);
        }
    }

    [Fact]
    public void FromEnvironment_Nothing_IsTheEmbeddedDefault()
    {
        var settings = ScaiGridSettings.FromEnvironment(Env());

        Assert.Equal(RuntimeMode.Http, settings.Mode);
        Assert.Equal(DatabaseEngine.Sqlite, settings.Database.Engine);
        Assert.Equal(Path.Combine(_dataDir, "scaigrid.db"), settings.Database.SqlitePath);
        Assert.Null(settings.RedisConfiguration);
        Assert.False(settings.AuthDisabled);
        Assert.True(settings.AutoMigrate);
        Assert.Equal("http://127.0.0.1:8000", settings.HttpUrls);
        Assert.Equal(32, settings.SecretKey.Length);
    }

    [Fact]
    public void FromEnvironment_NoSecretOnSqlite_GeneratesOneKeyAndReusesIt()
    {
        var first = ScaiGridSettings.FromEnvironment(Env());
        var second = ScaiGridSettings.FromEnvironment(Env());

        var file = Path.Combine(_dataDir, "secret.key");
        Assert.True(File.Exists(file));
        Assert.Equal(first.SecretKey, second.SecretKey);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Theory]
    [InlineData("SCAIGRID_MODE", "bogus", "unknown mode 'bogus'")]
    [InlineData("SCAIGRID_DATABASE_URL", "mongodb://x/y", "unsupported scheme 'mongodb'")]
    [InlineData("SCAIGRID_DATABASE_URL", "mariadb://u:p@host", "names no database")]
    [InlineData("SCAIGRID_REDIS_URL", "http://localhost", "expected redis://")]
    [InlineData("SCAIGRID_AUTH_DISABLED", "maybe", "not a boolean")]
    [InlineData("SCAIGRID_SECRET_KEY", "too-short", "32 random bytes")]
    [InlineData("SCAIGRID_LOG_FORMAT", "xml", "unknown format")]
    [InlineData("SCAIGRID_MAX_BODY_BYTES", "-5", "whole number")]
    [InlineData("SCAIGRID_CONFIG_FILE", "/nonexistent/scaigrid.yaml", "does not exist")]
    [InlineData("ASPNETCORE_URLS", "ftp://x", "not an http(s) URL")]
    [InlineData("SCAIGRID_RATE_LIMIT_PATHS", "v1/inference", "comma-separated list of paths")]
    public void FromEnvironment_InvalidValue_NamesTheVariable(string variable, string value, string problem)
    {
        var ex = Assert.Throws<ConfigurationException>(() => ScaiGridSettings.FromEnvironment(Env((variable, value))));

        Assert.Equal(variable, ex.Variable);
        Assert.StartsWith(variable + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void FromEnvironment_RateLimitPaths_DefaultListAndNone()
    {
        Assert.Equal(["/v1/inference", "/oai/v1"], ScaiGridSettings.FromEnvironment(Env()).RateLimitPaths);
        Assert.Equal(["/v1/inference", "/custom"], ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_RATE_LIMIT_PATHS", "/v1/inference/, /custom"))).RateLimitPaths);
        Assert.Empty(ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_RATE_LIMIT_PATHS", "none"))).RateLimitPaths);
    }

    [Fact]
    public void FromEnvironment_ServerDatabaseWithoutSecret_IsRefused()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_DATABASE_URL", "mariadb://u:p@db/sg"))));

        Assert.Equal("SCAIGRID_SECRET_KEY", ex.Variable);
    }

    [Fact]
    public void FromEnvironment_ProductionWithAuthDisabled_IsRefused()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var ex = Assert.Throws<ConfigurationException>(() => ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_ENV", "production"), ("SCAIGRID_SECRET_KEY", key), ("SCAIGRID_AUTH_DISABLED", "true"))));

        Assert.Equal("SCAIGRID_AUTH_DISABLED", ex.Variable);
    }

    [Fact]
    public void FromEnvironment_UrlsOverride_BeatsAspNetCoreUrls()
    {
        var settings = ScaiGridSettings.FromEnvironment(Env(("ASPNETCORE_URLS", "http://127.0.0.1:9001")), urlsOverride: "http://127.0.0.1:9002");

        Assert.Equal("http://127.0.0.1:9002", settings.HttpUrls);
        Assert.Equal("http://127.0.0.1:9001", ScaiGridSettings.FromEnvironment(Env(("ASPNETCORE_URLS", "http://127.0.0.1:9001"))).HttpUrls);
    }

    [Fact]
    public void FromEnvironment_RedisUrlWithPassword_BuildsConfigurationAndRedactsDisplay()
    {
        var settings = ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_REDIS_URL", "redis://:s3cret@cache.internal:6380/2")));

        Assert.Contains("cache.internal:6380", settings.RedisConfiguration, StringComparison.Ordinal);
        Assert.Contains("password=s3cret", settings.RedisConfiguration, StringComparison.Ordinal);
        Assert.Contains("defaultDatabase=2", settings.RedisConfiguration, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", settings.RedisDisplay, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_ModulesList_IsTrimmedAndDeduplicated()
    {
        var settings = ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_MODULES", " sample, dependent ,sample,")));

        Assert.Equal(["sample", "dependent"], settings.Modules);
    }
}
