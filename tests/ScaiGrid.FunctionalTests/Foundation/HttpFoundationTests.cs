using System.Net;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using ScaiGrid.Abstractions.State;
using ScaiGrid.Core.Modules;
using ScaiGrid.Core.Storage;
using ScaiGrid.Modules.Sample;
using ScaiGrid.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace ScaiGrid.FunctionalTests.Foundation;

/// <summary>The HTTP host on the embedded default (SQLite, in-process state) with the sample module enabled.</summary>
public sealed class HttpFoundationTests : IAsyncLifetime
{
    private ScaiGridServer _server = null!;

    public async Task InitializeAsync()
    {
        var env = ScaiGridServer.EmbeddedEnvironment();
        env["SCAIGRID_MODULES"] = "sample";
        env["SCAIGRID_AUTH_DISABLED"] = "true";
        env["SCAIGRID_MAX_BODY_BYTES"] = "2048";
        env["SCAIGRID_MODULE_SAMPLE_GREETING"] = "hi from env";
        _server = await ScaiGridServer.StartAsync(env, new ModuleCatalog([new SampleModule(), new DependentModule()]));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return json.GetProperty("error");
    }

    [Fact]
    public async Task Health_EmbeddedDefault_IsReadyWithEveryCheck()
    {
        var response = await _server.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TryGetValues("X-Request-ID", out var ids));
        Assert.StartsWith("req_", ids!.Single(), StringComparison.Ordinal);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ready", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal("up", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("sqlite", checks.GetProperty("database").GetProperty("engine").GetString());
        Assert.Equal("up", checks.GetProperty("migrations").GetProperty("status").GetString());
        Assert.Equal(0, checks.GetProperty("migrations").GetProperty("streams").GetProperty("sample").GetProperty("pending").GetArrayLength());
        Assert.Equal("memory", checks.GetProperty("state").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task UnknownRoute_Is404NotFound_WithTheSameRequestIdInHeaderAndBody()
    {
        var response = await _server.Client.GetAsync("/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Contains("/nope", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(response.Headers.GetValues("X-Request-ID").Single(), error.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task WrongMethod_Is405MethodNotAllowed()
    {
        var response = await _server.Client.DeleteAsync("/health");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("METHOD_NOT_ALLOWED", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task WellFormedIncomingRequestId_IsKept_AndMalformedOneReplaced()
    {
        using var kept = new HttpRequestMessage(HttpMethod.Get, "/nope");
        kept.Headers.Add("X-Request-ID", "client-trace-42");
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/nope");
        bad.Headers.TryAddWithoutValidation("X-Request-ID", "not ok!");

        var keptResponse = await _server.Client.SendAsync(kept);
        var badResponse = await _server.Client.SendAsync(bad);

        Assert.Equal("client-trace-42", keptResponse.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("client-trace-42", (await ErrorOf(keptResponse)).GetProperty("request_id").GetString());
        Assert.StartsWith("req_", badResponse.Headers.GetValues("X-Request-ID").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnhandledException_Is500InternalError_WithoutDetails()
    {
        var response = await _server.Client.GetAsync("/v1/modules/sample/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret stack detail", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.Equal("INTERNAL_ERROR", JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task OversizedBody_Is413PayloadTooLarge()
    {
        using var content = new StringContent(new string('x', 8192), Encoding.UTF8, "application/json");
        var response = await _server.Client.PostAsync("/v1/modules/sample/echo", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Module_EndpointsServicesTablesAndInitialisation_AllWork()
    {
        var hello = await _server.Client.GetFromJsonAsync<Dictionary<string, string>>("/v1/modules/sample/hello");
        Assert.Equal("hello from the sample module", hello!["message"]);

        Assert.Equal(HttpStatusCode.Created, (await _server.Client.PostAsync("/v1/modules/sample/notes/first", null)).StatusCode);
        Assert.Equal(["first"], (await _server.Client.GetFromJsonAsync<string[]>("/v1/modules/sample/notes"))!);

        var state = _server.Services.GetRequiredService<IStateStore>();
        Assert.Equal("sample", await state.GetAsync("sample:initialised"));
        Assert.Equal("hi from env", await state.GetAsync("sample:greeting"));
        await using var db = _server.Services.GetRequiredService<ScaiGridDatabase>().Open();
        var row = await db.GetTable<ModuleStateRow>().SingleAsync(r => r.ModuleId == "sample");
        Assert.Equal("1.2.0", row.Version);
        Assert.True(row.IsEnabled);
    }

    [Fact]
    public async Task ModuleNotEnabled_Is404ModuleNotEnabled_AndUnknownPathOfEnabledModuleIsNotFound()
    {
        var disabled = await _server.Client.GetAsync("/v1/modules/dependent/anything");
        var missing = await _server.Client.GetAsync("/v1/modules/sample/no-such-path");

        Assert.Equal(HttpStatusCode.NotFound, disabled.StatusCode);
        Assert.Equal("MODULE_NOT_ENABLED", (await ErrorOf(disabled)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("NOT_FOUND", (await ErrorOf(missing)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task ModuleMutation_LeavesExactlyOneAuditEntry()
    {
        var response = await _server.Client.PostAsync("/v1/modules/sample/notes/audited", null);
        var requestId = response.Headers.GetValues("X-Request-ID").Single();
        await _server.Services.GetRequiredService<ScaiGrid.Core.Audit.IAuditLog>().FlushAsync(CancellationToken.None);
        await _server.Client.GetAsync("/v1/modules/sample/notes");

        await using var db = _server.Services.GetRequiredService<ScaiGridDatabase>().Open();
        var entries = await db.GetTable<ScaiGrid.Core.Audit.AuditRow>().Where(a => a.RequestId == requestId).ToListAsync();
        var entry = Assert.Single(entries);
        Assert.Equal("module.sample.post", entry.Action);
        Assert.Equal("success", entry.Outcome);
        Assert.Equal("/v1/modules/sample/notes/{text}", entry.TargetId);
        Assert.Equal(0, await db.GetTable<ScaiGrid.Core.Audit.AuditRow>().CountAsync(a => a.Action == "module.sample.get"));
    }
}
