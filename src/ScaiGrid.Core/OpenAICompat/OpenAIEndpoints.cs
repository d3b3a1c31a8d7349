using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Tenancy;
using ScaiGrid.Core.Errors;
using ScaiGrid.Core.Inference;
using ScaiGrid.Core.Models;
using ScaiGrid.Core.RequestIds;

namespace ScaiGrid.Core.OpenAICompat;

/// <summary>
/// The OpenAI-compatible surface at <c>/oai/v1</c>: the OpenAI dialect in and out, the one inference
/// pipeline (<see cref="InferenceService"/>) in between. Errors take OpenAI's shape through the shared
/// error writer (<see cref="OpenAIErrors"/>), including those raised before these handlers run.
/// </summary>
public static class OpenAIEndpoints
{
    private static readonly byte[] Done = "[DONE]"u8.ToArray();

    public static IEndpointRouteBuilder MapOpenAICompatApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/oai/v1/chat/completions", ChatAsync).RequirePermission(Permissions.ModelsUse);
        endpoints.MapPost("/oai/v1/embeddings", EmbeddingsAsync).RequirePermission(Permissions.ModelsUse);
        endpoints.MapGet("/oai/v1/models", ListModelsAsync).RequirePermission(Permissions.ModelsUse);
        // Model ids contain '/', e.g. openai/gpt-4o: a catch-all takes the rest of the path.
        endpoints.MapGet("/oai/v1/models/{**model}", GetModelAsync).RequirePermission(Permissions.ModelsUse);
        return endpoints;
    }

    private static async Task ChatAsync(HttpContext context, InferenceService inference)
    {
        var caller = context.GetCaller();
        var dto = await JsonBody.ReadAsync(context.Request, OpenAIWireContext.Default.OpenAIChatRequestDto, context.RequestAborted).ConfigureAwait(false);
        var request = OpenAIRequestMapper.ToChatRequest(dto);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var id = OpenAIResponseWriter.CompletionId(context.TraceIdentifier);
        if (request.Stream)
        {
            var header = new ChunkHeader(id, created, request.Model, dto.StreamOptions?.IncludeUsage ?? false);
            await StreamAsync(context, inference, caller, request, header).ConfigureAwait(false);
            return;
        }

        var result = await inference.ChatAsync(caller, request, RequestIdMiddleware.AccountingId(context), context.RequestAborted).ConfigureAwait(false);
        InferenceEndpoints.AddBackendHeader(context, caller, result.Backend);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        OpenAIResponseWriter.WriteChat(writer, id, result.Model.Slug, created, result.Response);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task StreamAsync(HttpContext context, InferenceService inference, CallerContext caller, ChatRequest request, ChunkHeader header)
    {
        var aborted = context.RequestAborted;
        // Failures until the first content event surface as an ordinary (OpenAI-shaped) error response.
        await using var session = await inference.StreamAsync(caller, request, RequestIdMiddleware.AccountingId(context), aborted).ConfigureAwait(false);
        InferenceEndpoints.AddBackendHeader(context, caller, session.Backend);
        header = header with { Model = session.Model.Slug };
        await using var sse = SseWriter.Start(context.Response);
        await sse.WriteAsync(null, w => OpenAIResponseWriter.WriteRoleChunk(w, header), aborted).ConfigureAwait(false);
        await StreamPump.RunAsync(
            session,
            aborted,
            e => e switch
            {
                TextDelta text => sse.WriteAsync(null, w => OpenAIResponseWriter.WriteTextChunk(w, header, "content", text.Text), aborted),
                // Outside OpenAI's schema (see WriteChat); SDKs skip the unknown delta field.
                ReasoningDelta reasoning => sse.WriteAsync(null, w => OpenAIResponseWriter.WriteTextChunk(w, header, "reasoning_content", reasoning.Text), aborted),
                ToolCallDelta call => WriteToolCallAsync(sse, header, call, aborted),
                _ => ValueTask.CompletedTask,
            },
            async () =>
            {
                await sse.WriteAsync(null, w => OpenAIResponseWriter.WriteFinishChunk(w, header, session.FinishReason ?? FinishReason.Stop), aborted).ConfigureAwait(false);
                if (header.IncludeUsage)
                {
                    await sse.WriteAsync(null, w => OpenAIResponseWriter.WriteUsageChunk(w, header, session.Usage), aborted).ConfigureAwait(false);
                }

                await sse.WriteRawAsync(Done, aborted).ConfigureAwait(false);
            },
            // OpenAI reports a failure after the 200 as a data line holding {"error":{…}} and ends the
            // stream without [DONE]; the official SDKs raise it as an API error.
            ex => sse.WriteAsync(null, w => OpenAIErrors.Write(w, ex), aborted)).ConfigureAwait(false);
    }

    /// <summary>
    /// OpenAI's first delta of a call carries id, type and name with <c>arguments: ""</c>; fragments follow.
    /// A canonical first delta that already holds arguments becomes those two chunks.
    /// </summary>
    private static async ValueTask WriteToolCallAsync(SseWriter sse, ChunkHeader header, ToolCallDelta call, CancellationToken cancellationToken)
    {
        var arguments = call.ArgumentsDelta ?? string.Empty;
        if (call.Id is not null || call.Name is not null)
        {
            await sse.WriteAsync(null, w => OpenAIResponseWriter.WriteToolCallChunk(w, header, call.Index, call.Id, call.Name, string.Empty), cancellationToken).ConfigureAwait(false);
            if (arguments.Length == 0)
            {
                return;
            }
        }

        await sse.WriteAsync(null, w => OpenAIResponseWriter.WriteToolCallChunk(w, header, call.Index, null, null, arguments), cancellationToken).ConfigureAwait(false);
    }

    private static async Task EmbeddingsAsync(HttpContext context, InferenceService inference)
    {
        var caller = context.GetCaller();
        var dto = await JsonBody.ReadAsync(context.Request, OpenAIWireContext.Default.OpenAIEmbeddingRequestDto, context.RequestAborted).ConfigureAwait(false);
        var request = OpenAIRequestMapper.ToEmbeddingRequest(dto);
        var result = await inference.EmbedAsync(caller, request, RequestIdMiddleware.AccountingId(context), context.RequestAborted).ConfigureAwait(false);
        InferenceEndpoints.AddBackendHeader(context, caller, result.Backend);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        OpenAIResponseWriter.WriteEmbeddings(writer, result.Model.Slug, result.Response, dto.EncodingFormat == "base64");
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ListModelsAsync(HttpContext context, ModelCatalog catalog)
    {
        var caller = context.GetCaller();
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WritePropertyName("data");
        writer.WriteStartArray();
        foreach (var model in catalog.Current.Frontends.Values.Where(m => m.IsVisibleTo(caller)).OrderBy(m => m.Slug, StringComparer.Ordinal))
        {
            OpenAIResponseWriter.WriteModel(writer, model.Slug, model.CreatedAt / 1000);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task GetModelAsync(HttpContext context, ModelCatalog catalog, string model)
    {
        var caller = context.GetCaller();
        // Clients that escape the '/' of an id send %2F, which the server leaves encoded in the path.
        var slug = Uri.UnescapeDataString(model);
        if (!catalog.TryGet(slug, out var entry) || !entry.IsVisibleTo(caller))
        {
            throw new ScaiGridException(ErrorCodes.ModelNotFound, $"The model '{slug}' does not exist or you do not have access to it.", "model");
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        OpenAIResponseWriter.WriteModel(writer, entry.Slug, entry.CreatedAt / 1000);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
