using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Errors;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.RequestIds;

namespace ScaiGrid.Core.Inference;

/// <summary>The native inference API: <c>POST /v1/inference/chat</c>, <c>POST /v1/inference/embeddings</c>, <c>GET /v1/models</c>.</summary>
public static class InferenceEndpoints
{
    public const string BackendHeader = "X-ScaiGrid-Backend";

    public static IEndpointRouteBuilder MapInferenceApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/inference/chat", ChatAsync).RequirePermission(Permissions.ModelsUse);
        endpoints.MapPost("/v1/inference/embeddings", EmbeddingsAsync).RequirePermission(Permissions.ModelsUse);
        endpoints.MapGet("/v1/models", ListModels).RequirePermission(Permissions.ModelsUse);
        return endpoints;
    }

    /// <summary>Operators (admin:access) see which backend served; applications never need to.</summary>
    public static void AddBackendHeader(HttpContext context, CallerContext caller, BackendEntry backend)
    {
        if (caller.HasPermission(Permissions.AdminAccess))
        {
            context.Response.Headers[BackendHeader] = backend.Id;
        }
    }

    private static async Task ChatAsync(HttpContext context, InferenceService inference)
    {
        var caller = context.GetCaller();
        var dto = await JsonBody.ReadAsync(context.Request, NativeWireContext.Default.NativeChatRequestDto, context.RequestAborted).ConfigureAwait(false);
        var request = NativeRequestMapper.ToChatRequest(dto);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream)
        {
            await StreamAsync(context, inference, caller, request, created).ConfigureAwait(false);
            return;
        }

        var result = await inference.ChatAsync(caller, request, RequestIdMiddleware.AccountingId(context), context.RequestAborted).ConfigureAwait(false);
        AddBackendHeader(context, caller, result.Backend);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        NativeResponseWriter.WriteChat(writer, context.TraceIdentifier, result.Model.Slug, created, result.Response);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task StreamAsync(HttpContext context, InferenceService inference, CallerContext caller, ChatRequest request, long created)
    {
        var aborted = context.RequestAborted;
        // Failures until the first content event surface as an ordinary error response (after failover).
        await using var session = await inference.StreamAsync(caller, request, RequestIdMiddleware.AccountingId(context), aborted).ConfigureAwait(false);
        AddBackendHeader(context, caller, session.Backend);
        await using var sse = SseWriter.Start(context.Response);
        var requestId = context.TraceIdentifier;
        await sse.WriteAsync("start", w => NativeResponseWriter.WriteStreamStart(w, requestId, session.Model.Slug, created), aborted).ConfigureAwait(false);
        await StreamPump.RunAsync(
            session,
            aborted,
            e => e switch
            {
                TextDelta text => sse.WriteAsync("delta", w => NativeResponseWriter.WriteContent(w, text.Text), aborted),
                ReasoningDelta reasoning => sse.WriteAsync("reasoning", w => NativeResponseWriter.WriteContent(w, reasoning.Text), aborted),
                ToolCallDelta call => sse.WriteAsync("tool_call", w => NativeResponseWriter.WriteToolCallDelta(w, call), aborted),
                _ => ValueTask.CompletedTask,
            },
            () => sse.WriteAsync("done", w => NativeResponseWriter.WriteDone(w, requestId, session.FinishReason ?? FinishReason.Stop, session.Usage), aborted),
            ex => sse.WriteAsync("error", w => NativeResponseWriter.WriteError(w, requestId, ex), aborted)).ConfigureAwait(false);
    }

    private static async Task EmbeddingsAsync(HttpContext context, InferenceService inference)
    {
        var caller = context.GetCaller();
        var dto = await JsonBody.ReadAsync(context.Request, NativeWireContext.Default.NativeEmbeddingRequestDto, context.RequestAborted).ConfigureAwait(false);
        var request = NativeRequestMapper.ToEmbeddingRequest(dto);
        var result = await inference.EmbedAsync(caller, request, RequestIdMiddleware.AccountingId(context), context.RequestAborted).ConfigureAwait(false);
        AddBackendHeader(context, caller, result.Backend);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        NativeResponseWriter.WriteEmbeddings(writer, context.TraceIdentifier, result.Model.Slug, result.Response);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static IResult ListModels(HttpContext context, ModelCatalog catalog)
    {
        var caller = context.GetCaller();
        var models = catalog.Current.Frontends.Values
            .Where(m => m.IsVisibleTo(caller))
            .OrderBy(m => m.Slug, StringComparer.Ordinal)
            .Select(m => new Dictionary<string, object?>
            {
                ["id"] = m.Slug,
                ["object"] = "model",
                ["display_name"] = m.DisplayName ?? m.Slug,
                ["description"] = m.Description,
                ["capabilities"] = m.Routes.SelectMany(r => r.Backend.Capabilities).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                ["context_window"] = m.Routes.Select(r => r.Backend.ContextWindow).Where(c => c is not null).DefaultIfEmpty().Min(),
            })
            .ToList();
        return TypedResults.Json(new Dictionary<string, object?> { ["object"] = "list", ["data"] = models });
    }
}
