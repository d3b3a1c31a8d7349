using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Mapping;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.Modules;
using ScaiGrid.Abstractions.Storage;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.Modules.Sample;

/// <summary>
/// Exercises every part of the module framework: a migration stream, endpoints, a permission,
/// a service, initialisation and a background task.
/// </summary>
public sealed class SampleModule : IScaiGridModule
{
    public string Id => "sample";

    public string Version => "1.2.0";

    public IReadOnlyList<PermissionDefinition> Permissions => [new("sample:manage", "Create and read sample notes")];

    public ModuleMigrations Migrations => new(typeof(SampleModule).Assembly, "ScaiGrid.Modules.Sample.Migrations");

    public IReadOnlyList<BackgroundTaskDefinition> BackgroundTasks =>
    [
        new("tick", TimeSpan.FromMilliseconds(200), async (context, ct) => await context.State.IncrementAsync("sample:ticks", 1, null, ct)),
    ];

    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<SampleGreeter>();

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/hello", (SampleGreeter greeter) => TypedResults.Json(new Dictionary<string, string> { ["message"] = greeter.Greet() }));
        endpoints.MapPost("/notes/{text}", async (string text, IScaiGridDatabase database, CancellationToken ct) =>
        {
            await using var db = database.Open();
            await db.InsertAsync(new SampleNote { Text = text }, token: ct);
            return TypedResults.Created();
        }).RequirePermission("sample:manage");
        endpoints.MapGet("/notes", async (IScaiGridDatabase database, CancellationToken ct) =>
        {
            await using var db = database.Open();
            return TypedResults.Json(await db.GetTable<SampleNote>().Select(n => n.Text).ToListAsync(ct));
        });
        endpoints.MapGet("/boom", string () => throw new InvalidOperationException("secret stack detail"));
        // A slow server-sent-event stream, for drain and reverse-proxy tests: each chunk is flushed on its own.
        endpoints.MapGet("/stream", async (HttpContext context, int? chunks, [FromQuery(Name = "delay_ms")] int? delayMs) =>
        {
            var count = Math.Clamp(chunks ?? 5, 1, 1000);
            var delay = TimeSpan.FromMilliseconds(Math.Clamp(delayMs ?? 200, 0, 60_000));
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            await response.StartAsync(context.RequestAborted);
            for (var i = 0; i < count; i++)
            {
                await Task.Delay(delay, context.RequestAborted);
                await response.WriteAsync($"data: {{\"chunk\":{i}}}\n\n", context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
            }

            await response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        });
        endpoints.MapPost("/echo", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return TypedResults.Text(await reader.ReadToEndAsync(request.HttpContext.RequestAborted), "application/json");
        });
    }

    public async Task InitializeAsync(ModuleContext context, CancellationToken cancellationToken)
    {
        await context.State.SetAsync("sample:initialised", context.ModuleId, null, cancellationToken);
        await context.Events.PublishAsync("sample.initialised", JsonDocument.Parse("{\"ok\":true}").RootElement, cancellationToken);
        var greeting = context.Configuration["GREETING"];
        if (greeting is not null)
        {
            await context.State.SetAsync("sample:greeting", greeting, null, cancellationToken);
        }
    }
}

public sealed class SampleGreeter
{
    public string Greet() => "hello from the sample module";
}

[Table("sample_notes")]
public sealed class SampleNote
{
    [Column("text"), NotNull] public string Text { get; set; } = string.Empty;
}

/// <summary>Depends on <see cref="SampleModule"/>; its table lives in its own stream.</summary>
public sealed class DependentModule : IScaiGridModule
{
    public string Id => "dependent";

    public string Version => "0.1.0";

    public IReadOnlyList<string> DependsOn => ["sample"];

    public ModuleMigrations Migrations => new(typeof(DependentModule).Assembly, "ScaiGrid.Modules.Sample.DependentMigrations");
}

/// <summary>Its only migration fails, to prove one broken module does not stop the others.</summary>
public sealed class FailingModule : IScaiGridModule
{
    public string Id => "failing";

    public string Version => "0.0.1";

    public ModuleMigrations Migrations => new(typeof(FailingModule).Assembly, "ScaiGrid.Modules.Sample.FailingMigrations");
}

/// <summary>Depends on itself through a partner, to prove cycles are refused at start.</summary>
public sealed class CycleAModule : IScaiGridModule
{
    public string Id => "cycle_a";

    public string Version => "0.0.1";

    public IReadOnlyList<string> DependsOn => ["cycle_b"];
}

public sealed class CycleBModule : IScaiGridModule
{
    public string Id => "cycle_b";

    public string Version => "0.0.1";

    public IReadOnlyList<string> DependsOn => ["cycle_a"];
}
