using System.Text.RegularExpressions;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Testing;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>
/// Docker is not available to run here, so the Dockerfile and compose file are checked by reading them:
/// the compose file must parse, name every service with the right mode and ordering, and the settings it
/// passes must be ones ScaiGrid reads; the nginx timeouts must stay above the dispatch stream timeout.
/// </summary>
public sealed class DeploymentArtifactsTests
{
    private static Dictionary<object, object> Compose()
    {
        using var reader = new StringReader(File.ReadAllText(RepoPaths.Combine("deploy", "docker-compose.yml")));
        // MergingParser resolves the `<<: *anchor` merge keys the file uses to share env and image.
        var parser = new MergingParser(new Parser(reader));
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(parser);
    }

    private static Dictionary<object, object> Map(object node, string key) => (Dictionary<object, object>)((Dictionary<object, object>)node)[key];

    [Fact]
    public void Compose_Parses_AndHasEveryComponent()
    {
        var services = Map(Compose(), "services");

        foreach (var name in new[] { "mariadb", "redis", "s3", "migrate", "http", "grpc", "worker" })
        {
            Assert.True(services.ContainsKey(name), $"service '{name}' missing");
        }

        foreach (var (name, mode) in new[] { ("migrate", "migrate"), ("http", "http"), ("grpc", "grpc"), ("worker", "worker") })
        {
            var service = Map(services, name);
            var environment = Map(service, "environment");
            Assert.Equal(mode, environment["SCAIGRID_MODE"]);
            Assert.StartsWith("scaigrid:", (string)service["image"], StringComparison.Ordinal);
            Assert.Equal("deploy/Dockerfile", Map(service, "build")["dockerfile"]);
            Assert.StartsWith("mariadb://", (string)environment["SCAIGRID_DATABASE_URL"], StringComparison.Ordinal);
            Assert.StartsWith("redis://redis:", (string)environment["SCAIGRID_REDIS_URL"], StringComparison.Ordinal);
            Assert.True(environment.ContainsKey("SCAIGRID_SECRET_KEY"));
        }

        Assert.Equal("no", Map(services, "migrate")["restart"]);
        foreach (var name in new[] { "http", "grpc", "worker" })
        {
            var dependsOn = Map(Map(services, name), "depends_on");
            Assert.Equal("service_completed_successfully", Map(dependsOn, "migrate")["condition"]);
        }

        Assert.Equal("service_healthy", Map(Map(Map(services, "migrate"), "depends_on"), "mariadb")["condition"]);
        foreach (var name in new[] { "mariadb", "redis", "s3", "http" })
        {
            Assert.True(Map(services, name).ContainsKey("healthcheck"), $"service '{name}' has no healthcheck");
        }

        var httpHealth = string.Join(' ', (List<object>)Map(Map(services, "http"), "healthcheck")["test"]);
        Assert.Contains("/health", httpHealth, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_StopGracePeriod_OutlastsTheDrainGrace()
    {
        var services = Map(Compose(), "services");
        var http = Map(services, "http");
        var drain = int.Parse((string)Map(http, "environment")["SCAIGRID_DRAIN_GRACE_S"], System.Globalization.CultureInfo.InvariantCulture);
        var stop = int.Parse(((string)http["stop_grace_period"]).TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(stop > drain + 5, $"stop_grace_period {stop}s must exceed SCAIGRID_DRAIN_GRACE_S {drain}s plus the 5 s shutdown");
    }

    [Fact]
    public void Compose_ScaiGridSettings_AreAccepted()
    {
        var env = Map(Map(Compose(), "services"), "http")["environment"] as Dictionary<object, object>;
        var values = env!.ToDictionary(p => (string)p.Key, p => (string?)p.Value?.ToString(), StringComparer.Ordinal);
        values["SCAIGRID_SECRET_KEY"] = Convert.ToBase64String(new byte[32]);
        values["SCAIGRID_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "scaigrid-tests", Guid.NewGuid().ToString("N"));

        var settings = ScaiGridSettings.FromEnvironment(values);

        Assert.Equal(RuntimeMode.Http, settings.Mode);
        Assert.True(settings.IsProduction);
        Assert.Equal("0.0.0.0:8000", new Uri(settings.HttpUrls).Authority);
    }

    [Fact]
    public void Dockerfile_IsMultiStage_NonRoot_WithScaigridEntrypoint()
    {
        var dockerfile = File.ReadAllText(RepoPaths.Combine("deploy", "Dockerfile"));

        Assert.Matches(new Regex("^FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build$", RegexOptions.Multiline), dockerfile);
        Assert.Matches(new Regex("^FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime$", RegexOptions.Multiline), dockerfile);
        Assert.Matches(new Regex("^COPY --from=build /app", RegexOptions.Multiline), dockerfile);
        Assert.Matches(new Regex(@"^USER \$APP_UID$", RegexOptions.Multiline), dockerfile);
        Assert.Matches(new Regex("^ENTRYPOINT \\[\"scaigrid\"\\]$", RegexOptions.Multiline), dockerfile);
        Assert.Contains("SCAIGRID_MODE=http", dockerfile, StringComparison.Ordinal);
        // Every project the executable needs is copied before restore.
        foreach (var project in new[] { "ScaiGrid.Abstractions", "ScaiGrid.Providers", "ScaiGrid.Core", "ScaiGrid" })
        {
            Assert.Contains($"COPY src/{project}/{project}.csproj src/{project}/", dockerfile, StringComparison.Ordinal);
            Assert.True(File.Exists(RepoPaths.Combine("src", project, project + ".csproj")), project);
        }
    }

    [Fact]
    public void NginxConf_TimeoutsBodyLimitAndStreamingSettings()
    {
        var conf = File.ReadAllText(RepoPaths.Combine("deploy", "nginx", "scaigrid.conf"));
        var defaults = ScaiGridSettings.FromEnvironment(new Dictionary<string, string?> { ["SCAIGRID_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "scaigrid-tests", Guid.NewGuid().ToString("N")) });

        Assert.Contains("proxy_read_timeout 660s;", conf, StringComparison.Ordinal);
        Assert.Contains("proxy_buffering off;", conf, StringComparison.Ordinal);
        Assert.Contains("proxy_http_version 1.1;", conf, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Connection \"\";", conf, StringComparison.Ordinal);
        Assert.Contains("grpc_pass grpc://scaigrid_grpc;", conf, StringComparison.Ordinal);
        Assert.Contains("return 301 https://", conf, StringComparison.Ordinal);
        var body = Regex.Match(conf, @"client_max_body_size (\d+)m;");
        Assert.True(body.Success);
        Assert.Equal(defaults.MaxRequestBodyBytes, long.Parse(body.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024);
    }
}
