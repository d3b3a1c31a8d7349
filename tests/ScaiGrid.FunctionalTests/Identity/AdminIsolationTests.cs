using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Tenancy;

namespace ScaiGrid.FunctionalTests.Identity;

/// <summary>
/// The isolation matrix: every admin endpoint that names an object × every role × an object of partner B.
/// A caller in partner A gets 404 (or 403 when its role lacks the permission), never the object.
/// </summary>
public sealed class AdminIsolationTests : IAsyncLifetime
{
    private IdentityWorld _world = null!;

    /// <summary>Resource → the permission its endpoints need beyond admin:access (null: tenants:manage or users:manage).</summary>
    private static readonly Dictionary<string, string?> ResourcePermission = new(StringComparer.Ordinal)
    {
        ["partners"] = Permissions.PlatformManage,
        ["tenants"] = Permissions.TenantsManage,
        ["users"] = Permissions.UsersManage,
        ["api_keys"] = Permissions.KeysManage,
        ["service_tokens"] = Permissions.PlatformManage,
        ["providers"] = Permissions.ProvidersManage,
        ["backend_models"] = Permissions.ProvidersManage,
        ["frontend_models"] = Permissions.ProvidersManage,
        ["budgets"] = null,
        ["rate_limits"] = null,
    };

    /// <summary>Every object endpoint of the admin API: method and the path after the resource's id.</summary>
    private static readonly (string Method, string Resource, string Suffix)[] ObjectEndpoints =
    [
        .. ResourcePermission.Keys.SelectMany(r => new[] { ("GET", r, string.Empty), ("PATCH", r, string.Empty), ("DELETE", r, string.Empty) }),
        ("GET", "users", "/roles"),
        ("PUT", "users", "/roles"),
        ("POST", "api_keys", "/revoke"),
        ("POST", "service_tokens", "/revoke"),
    ];

    private static readonly string[] RolesInA = [Roles.PartnerAdmin, Roles.TenantAdmin, Roles.Member];

    public async Task InitializeAsync() => _world = await IdentityWorld.CreateAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private static bool Holds(string role, string? permission) => role switch
    {
        Roles.Member => false,
        Roles.TenantAdmin => permission is null or Permissions.UsersManage or Permissions.KeysManage,
        Roles.PartnerAdmin => permission is null or Permissions.UsersManage or Permissions.KeysManage or Permissions.TenantsManage,
        _ => true,
    };

    [Fact]
    public void Matrix_CoversEveryAdminObjectRoute()
    {
        var routes = _world.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/admin/", StringComparison.Ordinal) == true && e.RoutePattern.RawText.Contains("{id}", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);
        var covered = ObjectEndpoints.Select(e => $"{e.Method} /v1/admin/{e.Resource}/{{id}}{e.Suffix}").ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(routes);
        Assert.Empty(routes.Except(covered));
    }

    [Fact]
    public async Task ObjectEndpoints_ForeignObject_Are404Or403AndNeverLeakIt()
    {
        var failures = new List<string>();
        foreach (var role in RolesInA)
        {
            using var client = _world.Client(role);
            foreach (var (method, resource, suffix) in ObjectEndpoints)
            {
                var id = _world.Foreign[resource];
                var body = method is "PATCH" or "PUT" ? new JsonObject { ["name"] = "hijacked", ["roles"] = new JsonArray("member") } : null;
                var (status, json, raw) = await IdentityWorld.SendAsync(client, new HttpMethod(method), $"/v1/admin/{resource}/{id}{suffix}", body);
                var expected = Holds(role, ResourcePermission[resource]) ? (404, "NOT_FOUND") : (403, "PERMISSION_DENIED");
                if (status != expected.Item1 || IdentityWorld.ErrorCode(json) != expected.Item2 || raw.Contains("secret-user", StringComparison.Ordinal) || raw.Contains("tenant-b", StringComparison.Ordinal))
                {
                    failures.Add($"{role} {method} {resource}{suffix}: {status} {raw}");
                }
            }
        }

        Assert.Empty(failures);

        // The objects are all still there, unchanged: a platform admin sees each.
        using var platform = _world.Client(Roles.PlatformAdmin);
        foreach (var (resource, id) in _world.Foreign)
        {
            var (status, json, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, $"/v1/admin/{resource}/{id}");
            Assert.True(status == 200, $"{resource}: {status}");
            Assert.Null(json!["revoked_at"]?.GetValue<string>());
        }
    }

    [Fact]
    public async Task ListEndpoints_ForeignObjects_NeverListed()
    {
        await _world.FlushAuditAsync();
        foreach (var role in RolesInA)
        {
            using var client = _world.Client(role);
            foreach (var (resource, permission) in ResourcePermission.Append(new("audit", Permissions.AuditRead)))
            {
                var (status, json, raw) = await IdentityWorld.SendAsync(client, HttpMethod.Get, $"/v1/admin/{resource}?limit=200");
                var allowed = resource == "audit" ? role != Roles.Member : Holds(role, permission);
                Assert.True(allowed ? status == 200 : status == 403, $"{role} list {resource}: {status} {raw}");
                foreach (var foreignId in _world.Foreign.Values.Append(_world.TenantB))
                {
                    Assert.DoesNotContain(foreignId, raw, StringComparison.Ordinal);
                }

                if (allowed)
                {
                    Assert.True(json?["data"] is JsonArray, $"{role} list {resource}: {status} '{raw}'");
                }
            }
        }
    }

    [Fact]
    public async Task TenantAdmin_CannotMintKeyForPartnerAdmin_Is403()
    {
        using var platform = _world.Client(Roles.PlatformAdmin);
        var (_, users, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/admin/users?email=boss@a.test");
        var bossId = users!["data"]![0]!["id"]!.GetValue<string>();

        using var tenantAdmin = _world.Client(Roles.TenantAdmin);
        var (status, json, _) = await IdentityWorld.SendAsync(tenantAdmin, HttpMethod.Post, "/v1/admin/api_keys", new JsonObject { ["user_id"] = bossId, ["name"] = "escalate" });

        Assert.Equal(403, status);
        Assert.Equal("PERMISSION_DENIED", IdentityWorld.ErrorCode(json));
    }

    [Fact]
    public async Task Pagination_LimitAndCursor_WalkEveryRowOnce()
    {
        using var platform = _world.Client(Roles.PlatformAdmin);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (status, json, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/admin/users?limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor));
            Assert.Equal(200, status);
            var data = json!["data"]!.AsArray();
            Assert.True(data.Count <= 2);
            seen.AddRange(data.Select(d => d!["id"]!.GetValue<string>()));
            cursor = json["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(5, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        var (badStatus, bad, _) = await IdentityWorld.SendAsync(platform, HttpMethod.Get, "/v1/admin/users?limit=500");
        Assert.Equal(400, badStatus);
        Assert.Equal("limit", bad!["error"]!["param"]!.GetValue<string>());
    }
}
