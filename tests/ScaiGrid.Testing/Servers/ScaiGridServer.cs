using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Hosting;
using ScaiGrid.Core.Modules;

namespace ScaiGrid.Testing.Servers;

/// <summary>
/// The real ScaiGrid HTTP host, in this process, listening on a random 127.0.0.1 port — the same
/// build and start-up path as <c>scaigrid serve</c>, with settings from a private environment.
/// </summary>
public sealed class ScaiGridServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private ScaiGridServer(WebApplication app, string dataDirectory, Uri baseAddress)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A fresh data directory with the embedded default's environment, for tests to extend.</summary>
    public static Dictionary<string, string?> EmbeddedEnvironment(string? databaseUrl = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "scaigrid-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["SCAIGRID_DATA_DIR"] = dir };
        if (databaseUrl is not null)
        {
            env["SCAIGRID_DATABASE_URL"] = databaseUrl;
            env["SCAIGRID_SECRET_KEY"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray());
        }

        return env;
    }

    public static async Task<ScaiGridServer> StartAsync(
        IReadOnlyDictionary<string, string?> environment,
        ModuleCatalog? catalog = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var settings = ScaiGridSettings.FromEnvironment(environment, urlsOverride: "http://127.0.0.1:0");
        if (settings.ModulePath is { } path)
        {
            (catalog ??= new ModuleCatalog()).LoadFrom(path);
        }

        var modules = ModuleRuntime.Create(catalog ?? new ModuleCatalog(), settings.Modules);
        var app = HttpHost.Build(settings, modules, configure);
        try
        {
            await StartupTasks.RunAsync(app.Services, CancellationToken.None);
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ScaiGridServer(app, settings.DataDirectory, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>A client that sends <paramref name="bearer"/> on every request.</summary>
    public HttpClient CreateClient(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Temp data; SQLite may still be closing.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
