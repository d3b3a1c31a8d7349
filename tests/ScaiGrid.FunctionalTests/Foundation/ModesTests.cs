using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Core.Configuration;
using ScaiGrid.Core.Hosting;
using ScaiGrid.Core.Modules;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Foundation;

public sealed class ModesTests
{
    [Fact]
    public async Task Worker_RunsModuleBackgroundTasks()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = "sample";
        var settings = ScaiGridSettings.FromEnvironment(env) with { Mode = RuntimeMode.Worker };
        var modules = ModuleRuntime.Create(new ModuleCatalog([new SampleModule()]), settings.Modules);
        using (var migrateHost = WorkerHost.Build(settings, modules))
        {
            await StartupTasks.RunAsync(migrateHost.Services, CancellationToken.None);
        }

        using var host = WorkerHost.Build(settings, modules);
        await host.StartAsync();
        var state = host.Services.GetRequiredService<IStateStore>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long ticks = 0;
        while (DateTime.UtcNow < deadline && (ticks = long.Parse(await state.GetAsync("sample:ticks") ?? "0", System.Globalization.CultureInfo.InvariantCulture)) < 3)
        {
            await Task.Delay(100);
        }

        await host.StopAsync();
        Assert.True(ticks >= 3, $"the sample task ran {ticks} time(s)");
    }

    [Fact]
    public async Task Grpc_ServesStandardHealthOverHttp2()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        var port = Ports.FreeLoopbackPort();
        env["SCAIGRID_GRPC_URLS"] = $"http://127.0.0.1:{port}";
        var settings = ScaiGridSettings.FromEnvironment(env) with { Mode = RuntimeMode.Grpc };
        var modules = ModuleRuntime.Create(new ModuleCatalog(), []);
        await using var app = GrpcHost.Build(settings, modules);
        await StartupTasks.RunAsync(app.Services, CancellationToken.None);
        await app.StartAsync();

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        await app.StopAsync();
    }
}
