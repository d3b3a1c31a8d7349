using ScaiGrid.Core.Configuration;

namespace ScaiGrid.Core.Tests.Configuration;

/// <summary>The drain, CORS and telemetry variables: defaults, parsing, and one-line refusals.</summary>
public sealed class OperationsSettingsTests
{
    private static Dictionary<string, string?> Env(params (string Key, string Value)[] pairs)
    {
        var env = new Dictionary<string, string?> { ["SCAIGRID_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "scaigrid-tests", Guid.NewGuid().ToString("N")) };
        foreach (var (k, v) in pairs)
        {
            env[k] = v;
        }

        return env;
    }

    [Fact]
    public void Defaults_Drain30s_NoCorsOrigin_NoOtlp()
    {
        var settings = ScaiGridSettings.FromEnvironment(Env());

        Assert.Equal(TimeSpan.FromSeconds(30), settings.DrainGrace);
        Assert.Empty(settings.CorsOrigins);
        Assert.False(settings.CorsCredentials);
        Assert.Equal(TimeSpan.FromSeconds(600), settings.CorsMaxAge);
        Assert.Null(settings.OtlpEndpoint);
        Assert.Equal("grpc", settings.OtlpProtocol);
    }

    [Fact]
    public void Cors_ListsAreTrimmedAndMethodsUppercased()
    {
        var settings = ScaiGridSettings.FromEnvironment(Env(
            ("SCAIGRID_CORS_ORIGINS", " https://a.example.com , http://localhost:3000"),
            ("SCAIGRID_CORS_METHODS", "get, post"),
            ("SCAIGRID_CORS_HEADERS", "Authorization, X-Custom"),
            ("SCAIGRID_CORS_MAX_AGE_S", "0"),
            ("SCAIGRID_DRAIN_GRACE_S", "5"),
            ("SCAIGRID_OTLP_ENDPOINT", "http://collector:4318"),
            ("SCAIGRID_OTLP_PROTOCOL", "http/protobuf")));

        Assert.Equal(["https://a.example.com", "http://localhost:3000"], settings.CorsOrigins);
        Assert.Equal(["GET", "POST"], settings.CorsMethods);
        Assert.Equal(["Authorization", "X-Custom"], settings.CorsHeaders);
        Assert.Equal(TimeSpan.Zero, settings.CorsMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DrainGrace);
        Assert.Equal(new Uri("http://collector:4318"), settings.OtlpEndpoint);
        Assert.Equal("http/protobuf", settings.OtlpProtocol);
    }

    [Theory]
    [InlineData("SCAIGRID_DRAIN_GRACE_S", "-1", "whole number of seconds")]
    [InlineData("SCAIGRID_DRAIN_GRACE_S", "1h", "whole number of seconds")]
    [InlineData("SCAIGRID_CORS_ORIGINS", "https://a.example.com/path", "is not an origin")]
    [InlineData("SCAIGRID_CORS_ORIGINS", "a.example.com", "is not an origin")]
    [InlineData("SCAIGRID_CORS_MAX_AGE_S", "abc", "whole number of seconds")]
    [InlineData("SCAIGRID_CORS_CREDENTIALS", "maybe", "not a boolean")]
    [InlineData("SCAIGRID_OTLP_ENDPOINT", "collector:4317", "not an http(s) URL")]
    [InlineData("SCAIGRID_OTLP_PROTOCOL", "thrift", "unknown protocol")]
    public void InvalidValue_NamesTheVariable(string variable, string value, string problem)
    {
        var ex = Assert.Throws<ConfigurationException>(() => ScaiGridSettings.FromEnvironment(Env((variable, value))));

        Assert.StartsWith(variable + ":", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WildcardOrigin_WithCredentials_IsRefused()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ScaiGridSettings.FromEnvironment(Env(("SCAIGRID_CORS_ORIGINS", "*"), ("SCAIGRID_CORS_CREDENTIALS", "true"))));

        Assert.StartsWith("SCAIGRID_CORS_ORIGINS:", ex.Message, StringComparison.Ordinal);
    }
}
