using System.Text.Json.Nodes;
using LinqToDB;
using LinqToDB.Data;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Storage;
using ScaiGrid.Core.Tenancy;
using ScaiGrid.Testing.Databases;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Identity;

/// <summary>API keys and service tokens end to end: creation, use, revocation, secrecy, audit, and the 401/403 vocabulary.</summary>
public sealed class CredentialTests : IAsyncLifetime
{
    private IdentityWorld _world = null!;

    public async Task InitializeAsync() => _world = await IdentityWorld.CreateAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<(string Id, string Key, string RequestId)> CreateTenantAdminKeyAsync(string name)
    {
        using var platform = _world.Client(Roles.PlatformAdmin);
        var (_, user, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Post, "/v1/admin/users", new JsonObject { ["tenant_id"] = _world.TenantA, ["email"] = name + "@a.test", ["roles"] = new JsonArray("tenant_admin") });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/api_keys") { Content = new StringContent(new JsonObject { ["user_id"] = user!["id"]!.GetValue<string>(), ["name"] = name }.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        using var response = await platform.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(201, (int)response.StatusCode);
        return (body["id"]!.GetValue<string>(), body["key"]!.GetValue<string>(), response.Headers.GetValues("X-Request-ID").Single());
    }

    [Fact]
    public async Task ApiKey_CreatedThenRevoked_WorksAtOnceThenFailsOnNextRequest()
    {
        var (id, key, _) = await CreateTenantAdminKeyAsync("lifecycle");
        using var client = _world.Server.CreateClient(key);
        Assert.Equal(200, (await IdentityWorld.SendAsync(client, HttpMethod.Get, "/v1/admin/users")).Status);

        using var platform = _world.Client(Roles.PlatformAdmin);
        var (revokeStatus, revoked, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Post, $"/v1/admin/api_keys/{id}/revoke");
        Assert.Equal(200, revokeStatus);
        Assert.NotNull(revoked!["revoked_at"]!.GetValue<string>());

        var (status, json, _) = await IdentityWorld.SendAsync(client, HttpMethod.Get, "/v1/admin/users");
        Assert.Equal(401, status);
        Assert.Equal("INVALID_CREDENTIALS", IdentityWorld.ErrorCode(json));
    }

    [Fact]
    public async Task AdminMutations_BumpTheirTopicsChangeMarker_SoOtherReplicasPeriodicCheckReloads()
    {
        var database = _world.Server.Services.GetRequiredService<ScaiGridDatabase>();
        var before = await ChangeMarkers.ReadAsync(database, CancellationToken.None);

        await CreateTenantAdminKeyAsync("marker");
        var after = await ChangeMarkers.ReadAsync(database, CancellationToken.None);

        // A user and a key: two identity mutations; models and limits untouched.
        Assert.Equal(before["identity.changed"] + 2, after["identity.changed"]);
        Assert.Equal(before["models.changed"], after["models.changed"]);
        Assert.Equal(before["limits.changed"], after["limits.changed"]);
    }

    [Fact]
    public async Task ApiKey_Plaintext_InNoTableAndNoLogLineAndNotInListOrGet()
    {
        var (id, key, _) = await CreateTenantAdminKeyAsync("secrecy");
        using var client = _world.Server.CreateClient(key);
        await IdentityWorld.SendAsync(client, HttpMethod.Get, "/v1/admin/users");
        using var platform = _world.Client(Roles.PlatformAdmin);
        var (_, _, listed) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/admin/api_keys?limit=200");
        var (_, _, got) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, $"/v1/admin/api_keys/{id}");
        await _world.FlushAuditAsync();

        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key, got, StringComparison.Ordinal);
        var secrets = _world.Keys.Values.Append(key).Append("sk-b-provider-secret").ToList();
        foreach (var line in _world.Logs.Lines)
        {
            Assert.DoesNotContain(secrets, s => line.Contains(s, StringComparison.Ordinal));
        }

        var database = _world.Server.Services.GetRequiredService<ScaiGridDatabase>();
        await using var db = database.Open();
        var tables = await db.QueryToListAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table'");
        Assert.Contains("api_keys", tables);
        foreach (var table in tables)
        {
            foreach (var row in await DumpAsync(db, table))
            {
                Assert.DoesNotContain(secrets, s => row.Contains(s, StringComparison.Ordinal));
            }
        }
    }

    private static async Task<List<string>> DumpAsync(DataConnection db, string table)
    {
        var rows = new List<string>();
        await using var command = db.OpenDbConnection().CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    [Fact]
    public async Task AdminMutation_EachRequest_ExactlyOneAuditEntryWithoutSecrets()
    {
        using var platform = _world.Client(Roles.PlatformAdmin);
        var requests = new List<(string RequestId, string Action)>();
        async Task Mutate(HttpMethod method, string path, JsonObject? body, string action)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await platform.SendAsync(request);
            requests.Add((response.Headers.GetValues("X-Request-ID").Single(), action));
        }

        await Mutate(HttpMethod.Post, "/v1/admin/providers", new JsonObject { ["id"] = "audited", ["type"] = "openai", ["api_key"] = "sk-audit-secret-123" }, "provider.create");
        await Mutate(HttpMethod.Patch, "/v1/admin/providers/audited", new JsonObject { ["api_key"] = "sk-audit-secret-456" }, "provider.update");
        await Mutate(HttpMethod.Post, "/v1/admin/tenants", new JsonObject { ["slug"] = "Bad Slug" }, "tenant.create");
        var (keyId, key, keyRequest) = await CreateTenantAdminKeyAsync("audited");
        requests.Add((keyRequest, "api_key.create"));
        await Mutate(HttpMethod.Delete, $"/v1/admin/api_keys/{keyId}", null, "api_key.revoke");
        await _world.FlushAuditAsync();

        foreach (var (requestId, action) in requests)
        {
            var (status, json, raw) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, $"/v1/admin/audit?request_id={requestId}");
            Assert.Equal(200, status);
            var entries = json!["data"]!.AsArray();
            Assert.Single(entries);
            Assert.Equal(action, entries[0]!["action"]!.GetValue<string>());
            Assert.Equal("api_key", entries[0]!["actor_type"]!.GetValue<string>());
            Assert.Equal(action == "tenant.create" ? "failure" : "success", entries[0]!["outcome"]!.GetValue<string>());
            Assert.DoesNotContain("sk-audit-secret", raw, StringComparison.Ordinal);
            Assert.DoesNotContain(key, raw, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MissingBadAndUnpermittedCredentials_Are401AuthRequired401Invalid403Denied()
    {
        var (missing, missingJson, _) = await IdentityWorld.SendAsync(_world.Server.CreateClient(), HttpMethod.Get, "/v1/admin/users");
        var (bad, badJson, _) = await IdentityWorld.SendAsync(_world.Server.CreateClient("sgk_" + new string('x', 43)), HttpMethod.Get, "/v1/admin/users");
        var (denied, deniedJson, _) = await IdentityWorld.SendAsync(_world.Client(Roles.Member), HttpMethod.Get, "/v1/admin/users");

        Assert.Equal((401, "AUTH_REQUIRED"), (missing, IdentityWorld.ErrorCode(missingJson)));
        Assert.Equal((401, "INVALID_CREDENTIALS"), (bad, IdentityWorld.ErrorCode(badJson)));
        Assert.Equal((403, "PERMISSION_DENIED"), (denied, IdentityWorld.ErrorCode(deniedJson)));
    }

    [Fact]
    public async Task ServiceToken_OnlyPassesServiceEndpoints_AndApiKeysNeverDo()
    {
        using var platform = _world.Client(Roles.PlatformAdmin);
        var (_, created, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Post, "/v1/admin/service_tokens", new JsonObject { ["name"] = "infer-node", ["services"] = new JsonArray("scaiinfer") });
        using var service = _world.Server.CreateClient(created!["token"]!.GetValue<string>());

        Assert.Equal(200, (await IdentityWorld.SendAsync(service, HttpMethod.Get, "/v1/modules/probe/service-ping")).Status);
        var (adminStatus, adminJson, _) = await IdentityWorld.SendAsync(service, HttpMethod.Get, "/v1/admin/users");
        Assert.Equal((403, "PERMISSION_DENIED"), (adminStatus, IdentityWorld.ErrorCode(adminJson)));
        var (keyStatus, keyJson, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/modules/probe/service-ping");
        Assert.Equal((403, "PERMISSION_DENIED"), (keyStatus, IdentityWorld.ErrorCode(keyJson)));

        var (scopeStatus, scopeJson, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Post, "/v1/admin/api_keys", new JsonObject
        {
            ["user_id"] = "usr_x", ["name"] = "svc", ["scopes"] = new JsonObject { ["permissions"] = new JsonArray("service:scaiinfer") },
        });
        Assert.Equal((400, "VALIDATION_ERROR"), (scopeStatus, IdentityWorld.ErrorCode(scopeJson)));
    }

    [Fact]
    public async Task ApiKey_OfDisabledUser_Is401()
    {
        var (_, key, _) = await CreateTenantAdminKeyAsync("disabled");
        using var platform = _world.Client(Roles.PlatformAdmin);
        var (_, users, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/admin/users?email=disabled@a.test");
        var userId = users!["data"]![0]!["id"]!.GetValue<string>();
        await IdentityWorld.SendAsync(platform, HttpMethod.Patch, $"/v1/admin/users/{userId}", new JsonObject { ["is_active"] = false });

        var (status, json, _) = await IdentityWorld.SendAsync(_world.Server.CreateClient(key), HttpMethod.Get, "/v1/admin/users");

        Assert.Equal((401, "INVALID_CREDENTIALS"), (status, IdentityWorld.ErrorCode(json)));
    }

    [Fact]
    public async Task Revocation_AcrossTwoReplicasOnMariaDbAndRedis_RejectedWithinSeconds()
    {
        await using var database = await TestDatabase.CreateAsync("mariadb");
        var env = ScaiGridServer.EmbeddedEnvironment(database.UrlString);
        env["SCAIGRID_REDIS_URL"] = TestDatabase.RequireEnvironment(TestDatabase.RedisUrlVariable);
        await using var first = await IdentityWorld.CreateAsync(env);
        var env2 = ScaiGridServer.EmbeddedEnvironment(database.UrlString);
        env2["SCAIGRID_REDIS_URL"] = env["SCAIGRID_REDIS_URL"];
        await using var second = await ScaiGridServer.StartAsync(env2, new ScaiGrid.Core.Modules.ModuleCatalog([new ProbeModule()]));

        using var platform = first.Client(Roles.PlatformAdmin);
        var (_, users, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/admin/users?email=admin@a.test");
        var (_, created, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Post, "/v1/admin/api_keys", new JsonObject { ["user_id"] = users!["data"]![0]!["id"]!.GetValue<string>(), ["name"] = "replicated" });
        using var onSecond = second.CreateClient(created!["key"]!.GetValue<string>());
        Assert.True(await EventuallyAsync(async () => (await IdentityWorld.SendAsync(onSecond, HttpMethod.Get, "/v1/admin/users")).Status == 200), "the new key never worked on the second replica");

        await IdentityWorld.SendAsync(platform, HttpMethod.Post, $"/v1/admin/api_keys/{created["id"]!.GetValue<string>()}/revoke");

        Assert.True(await EventuallyAsync(async () => (await IdentityWorld.SendAsync(onSecond, HttpMethod.Get, "/v1/admin/users")).Status == 401), "the revoked key still worked on the second replica after 5 s");
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
