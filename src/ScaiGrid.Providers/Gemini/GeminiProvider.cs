using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Embeddings;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Gemini;

/// <summary>
/// Google Gemini API (provider type <c>google</c>): <c>POST {base_url}/models/{model}:generateContent</c>,
/// <c>:streamGenerateContent?alt=sse</c>, <c>:batchEmbedContents</c> and <c>GET {base_url}/models</c>,
/// authenticated with the <c>x-goog-api-key</c> header (never the <c>?key=</c> query, which ends up in logs).
/// </summary>
public sealed class GeminiProvider : IChatProvider, IChatStreamProvider, IEmbeddingProvider, IModelLister
{
    /// <summary>The base URL a config without <c>base_url</c> should use.</summary>
    public static readonly Uri DefaultBaseUrl = new("https://generativelanguage.googleapis.com/v1beta");

    private const int MaxModelPages = 20;

    private readonly UpstreamHttpExecutor _executor;

    public GeminiProvider(UpstreamHttpExecutor executor)
    {
        _executor = executor;
    }

    public string Type => ProviderTypes.Google;

    public async Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken)
    {
        var body = GeminiChatTranslator.Serialize(GeminiChatTranslator.ToWire(request));
        var wire = await SendJsonAsync(target, ModelUrl(target, "generateContent"), body, GeminiJsonContext.Default.GeminiResponse, cancellationToken).ConfigureAwait(false);
        return GeminiChatTranslator.FromWire(wire);
    }

    public async IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(
        ProviderTarget target,
        ChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Without alt=sse the endpoint streams one JSON array; SSE gives one chunk per event.
        var body = GeminiChatTranslator.Serialize(GeminiChatTranslator.ToWire(request));
        using var message = CreateRequest(target, HttpMethod.Post, ModelUrl(target, "streamGenerateContent", "alt=sse"), body);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        // Status and error bodies are dealt with here, before the first event is yielded.
        using var response = await _executor.SendAsync(target, message, MapErrors, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var events = GeminiStreamParser.ParseAsync(SseReader.ReadEventsAsync(stream, cancellationToken), cancellationToken);
        await using var enumerator = events.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatStreamEvent current;
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                current = enumerator.Current;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream closed the stream mid-answer.", (int)response.StatusCode);
            }

            yield return current;
        }
    }

    public async Task<EmbeddingResponse> EmbedAsync(ProviderTarget target, EmbeddingRequest request, CancellationToken cancellationToken)
    {
        var model = ModelPath(target.UpstreamModel);
        var batch = new GeminiBatchEmbedRequest { Requests = new List<GeminiEmbedContentRequest>(request.Inputs.Count) };
        foreach (var input in request.Inputs)
        {
            batch.Requests.Add(new GeminiEmbedContentRequest
            {
                Model = model,
                Content = new GeminiContent { Parts = [new GeminiPart { Text = input }] },
                OutputDimensionality = request.Dimensions,
            });
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(batch, GeminiJsonContext.Default.GeminiBatchEmbedRequest);
        var wire = await SendJsonAsync(target, ModelUrl(target, "batchEmbedContents"), body, GeminiJsonContext.Default.GeminiBatchEmbedResponse, cancellationToken).ConfigureAwait(false);
        var embeddings = wire.Embeddings ?? [];
        if (embeddings.Count != request.Inputs.Count)
        {
            throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, $"The upstream returned {embeddings.Count} embeddings for {request.Inputs.Count} inputs.", 200);
        }

        var vectors = new List<float[]>(embeddings.Count);
        foreach (var embedding in embeddings)
        {
            vectors.Add(embedding.Values ?? []);
        }

        return new EmbeddingResponse
        {
            Embeddings = vectors,
            InputTokens = wire.UsageMetadata?.PromptTokenCount ?? EstimateTokens(request.Inputs),
            UpstreamModel = target.UpstreamModel,
        };
    }

    public async Task<IReadOnlyList<string>> ListModelsAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        string? pageToken = null;
        for (var page = 0; page < MaxModelPages; page++)
        {
            var query = pageToken is null ? "pageSize=1000" : $"pageSize=1000&pageToken={Uri.EscapeDataString(pageToken)}";
            var url = new Uri($"{Root(target)}/models?{query}");
            using var message = CreateRequest(target, HttpMethod.Get, url, body: null);
            var list = await ReadJsonAsync(target, message, GeminiJsonContext.Default.GeminiModelList, cancellationToken).ConfigureAwait(false);
            foreach (var model in list.Models ?? [])
            {
                if (model.Name is { Length: > 0 } name)
                {
                    names.Add(name.StartsWith("models/", StringComparison.Ordinal) ? name["models/".Length..] : name);
                }
            }

            pageToken = list.NextPageToken;
            if (string.IsNullOrEmpty(pageToken))
            {
                break;
            }
        }

        return names;
    }

    /// <summary><c>models/gemini-2.5-flash</c> from <c>gemini-2.5-flash</c>; already-qualified names pass.</summary>
    internal static string ModelPath(string model) =>
        model.StartsWith("models/", StringComparison.Ordinal) || model.StartsWith("tunedModels/", StringComparison.Ordinal)
            ? model
            : "models/" + model;

    internal static Uri ModelUrl(ProviderTarget target, string method, string? query = null)
    {
        var path = ModelPath(target.UpstreamModel);
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var escaped = path[..(slash + 1)] + Uri.EscapeDataString(path[(slash + 1)..]);
        return new Uri($"{Root(target)}/{escaped}:{method}{(query is null ? string.Empty : "?" + query)}");
    }

    /// <summary>
    /// batchEmbedContents reports no token counts, but accounting needs one: about four characters a
    /// token, at least one per input.
    /// </summary>
    private static long EstimateTokens(IReadOnlyList<string> inputs)
    {
        long total = 0;
        foreach (var input in inputs)
        {
            total += Math.Max(1, (input.Length + 3) / 4);
        }

        return total;
    }

    private static string Root(ProviderTarget target) => target.BaseUrl.AbsoluteUri.TrimEnd('/');

    private async Task<T> SendJsonAsync<T>(ProviderTarget target, Uri url, byte[] body, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var message = CreateRequest(target, HttpMethod.Post, url, body);
        return await ReadJsonAsync(target, message, type, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ReadJsonAsync<T>(ProviderTarget target, HttpRequestMessage message, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await _executor.SendAsync(target, message, MapErrors, cancellationToken).ConfigureAwait(false);
        T? result;
        try
        {
            result = await UpstreamJson.DeserializeAsync(response.Content, type, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream answer was cut off or is not valid JSON.", (int)response.StatusCode);
        }

        return result ?? throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream answered with an empty body.", (int)response.StatusCode);
    }

    private static HttpRequestMessage CreateRequest(ProviderTarget target, HttpMethod method, Uri url, byte[]? body)
    {
        var message = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (target.ApiKey is { } key)
        {
            message.Headers.TryAddWithoutValidation("x-goog-api-key", key.Reveal());
        }

        return message;
    }

    private static ScaiGridException MapErrors(ProviderTarget target, int status, string body, int? retryAfter) =>
        GeminiErrors.FromResponse(status, body, retryAfter, target.ApiKey);
}
