using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Events;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Audit;
using ScaiGrid.Core.Auth;
using ScaiGrid.Core.Security;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.Admin;

/// <summary>Who performs an admin action, as the audit log records it.</summary>
public sealed record AdminActor(string Type, string Id, string? PartnerId, string? TenantId)
{
    public static AdminActor Cli { get; } = new("cli", Environment.UserName is { Length: > 0 } u ? u[..Math.Min(u.Length, 60)] : "operator", null, null);

    public static AdminActor For(CallerContext caller) => caller.Kind switch
    {
        CallerKind.ApiKey => new("api_key", caller.ApiKeyId!, caller.PartnerId, caller.TenantId),
        CallerKind.ServiceToken => new("service_token", caller.UserId, null, null),
        CallerKind.DevAdmin => new("dev_admin", caller.UserId, caller.PartnerId, caller.TenantId),
        _ => new("user", caller.UserId, caller.PartnerId, caller.TenantId),
    };
}

/// <summary>
/// Everything an admin operation needs, built once per request (or once per CLI command): the caller's
/// scope, the stores, and the audit and invalidation side effects every mutation has.
/// </summary>
public sealed class AdminContext(
    AdminScope scope,
    AdminActor actor,
    string requestId,
    ScaiGridDatabase database,
    IAuditLog audit,
    IEventBus bus,
    CredentialCache credentials,
    CredentialHasher hasher,
    SecretProtector protector,
    CancellationToken cancellationToken)
{
    public AdminScope Scope => scope;

    public ScaiGridDatabase Database => database;

    public CredentialHasher Hasher => hasher;

    public SecretProtector Protector => protector;

    public CancellationToken CancellationToken => cancellationToken;

    public static AdminContext From(HttpContext http)
    {
        var caller = http.GetCaller();
        return Create(http.RequestServices, AdminScope.For(caller), AdminActor.For(caller), http.TraceIdentifier, http.RequestAborted);
    }

    public static AdminContext Create(IServiceProvider services, AdminScope scope, AdminActor actor, string requestId, CancellationToken cancellationToken) => new(
        scope, actor, requestId,
        services.GetRequiredService<ScaiGridDatabase>(),
        services.GetRequiredService<IAuditLog>(),
        services.GetRequiredService<IEventBus>(),
        services.GetRequiredService<CredentialCache>(),
        services.GetRequiredService<CredentialHasher>(),
        services.GetRequiredService<SecretProtector>(),
        cancellationToken);

    /// <summary>
    /// Runs one mutation and records exactly one audit entry for it, success or failure. Identity changes
    /// reload this replica's credential cache before answering (a new key works at once, a revoked one
    /// fails on the next request) and tell the other replicas through the event bus.
    /// </summary>
    /// <param name="invalidates">The event topic telling every replica to reload what this changes (null: nothing cached).</param>
    public async Task<T> MutateAsync<T>(string action, string targetType, string? targetId, string? invalidates, Func<AuditNote, Task<T>> run)
    {
        var note = new AuditNote { TargetId = targetId };
        try
        {
            var result = await run(note).ConfigureAwait(false);
            Record(action, targetType, note, "success");
            if (invalidates is not null)
            {
                // Before the reload and the event, so that every replica's next periodic check sees it too.
                await using var db = database.Open();
                await ChangeMarkers.BumpAsync(db, [invalidates], CancellationToken.None).ConfigureAwait(false);
            }

            if (invalidates == IdentityEvents.Topic)
            {
                await credentials.RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (invalidates is not null)
            {
                await AdminTopics.PublishAsync(bus, invalidates, targetType, note.TargetId ?? string.Empty).ConfigureAwait(false);
            }

            return result;
        }
        catch (ScaiGridException ex)
        {
            note.Summary["error"] = ex.Code.Code;
            Record(action, targetType, note, "failure");
            throw;
        }
    }


    private void Record(string action, string targetType, AuditNote note, string outcome) => audit.Record(new AuditEntry
    {
        RequestId = requestId,
        ActorType = actor.Type,
        ActorId = actor.Id,
        PartnerId = note.PartnerId ?? actor.PartnerId,
        TenantId = note.TenantId ?? actor.TenantId,
        Action = action,
        TargetType = targetType,
        TargetId = note.TargetId,
        Summary = note.Summary,
        Outcome = outcome,
    });
}

/// <summary>Topics admin mutations publish so every replica drops what it cached.</summary>
public static class AdminTopics
{
    public const string Identity = IdentityEvents.Topic;

    /// <summary>Providers, backend and frontend models, routing policies.</summary>
    public const string Models = ScaiGrid.Core.Models.ModelEvents.Changed;

    /// <summary>Budgets and rate limits.</summary>
    public const string Limits = ScaiGrid.Core.Accounting.BudgetCatalog.ChangedTopic;

    /// <summary>Every topic, for a change that may touch anything (an applied config file).</summary>
    public static readonly string[] All = [Identity, Models, Limits];

    /// <summary>Tells every replica to reload what <paramref name="topic"/> caches; the payload names the changed object.</summary>
    public static ValueTask PublishAsync(IEventBus bus, string topic, string objectType, string objectId) =>
        bus.PublishAsync(topic, System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = objectType, ["id"] = objectId }), CancellationToken.None);
}

/// <summary>What a mutation tells the audit log: its target, the tenancy the object lives in, and a change summary (redacted on write).</summary>
public sealed class AuditNote
{
    public string? TargetId { get; set; }

    public string? PartnerId { get; set; }

    public string? TenantId { get; set; }

    public JsonObject Summary { get; } = [];
}
