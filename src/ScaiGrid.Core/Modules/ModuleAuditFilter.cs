using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Admin;
using ScaiGrid.Core.Audit;

namespace ScaiGrid.Core.Modules;

/// <summary>
/// Every mutating request to a module endpoint (POST, PUT, PATCH, DELETE) leaves one audit entry, whatever
/// the module itself records: actor, module and route, outcome. Modules need not remember to audit.
/// </summary>
internal static class ModuleAuditFilter
{
    public static async ValueTask<object?> InvokeAsync(string moduleId, EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        {
            return await next(context).ConfigureAwait(false);
        }

        string outcome = "failure";
        try
        {
            var result = await next(context).ConfigureAwait(false);
            outcome = "success";
            return result;
        }
        finally
        {
            Record(http, moduleId, outcome);
        }
    }

    private static void Record(HttpContext http, string moduleId, string outcome)
    {
        var caller = http.FindCaller();
        var actor = caller is null ? new AdminActor("anonymous", "anonymous", null, null) : AdminActor.For(caller);
        var route = (http.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? string.Empty;
        http.RequestServices.GetRequiredService<IAuditLog>().Record(new AuditEntry
        {
            RequestId = http.TraceIdentifier,
            ActorType = actor.Type,
            ActorId = actor.Id,
            PartnerId = actor.PartnerId,
            TenantId = actor.TenantId,
            Action = $"module.{moduleId}.{http.Request.Method.ToLowerInvariant()}",
            TargetType = "module_route",
            TargetId = route,
            Summary = new JsonObject { ["method"] = http.Request.Method, ["path"] = http.Request.Path.Value },
            Outcome = outcome,
        });
    }
}
