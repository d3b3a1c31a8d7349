using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ScaiGrid.Abstractions.Chat;
using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Http;

namespace ScaiGrid.Providers.Anthropic;

/// <summary>
/// Anthropic Messages API: <c>POST {base_url}/v1/messages</c> with <c>x-api-key</c> and
/// <c>anthropic-version</c>. Chat and streaming only: Anthropic has no embeddings endpoint.
/// Settings: <c>anthropic_version</c> (default 2023-06-01), <c>anthropic_beta</c>, <c>default_max_tokens</c>.
/// </summary>
public sealed class AnthropicProvider : IChatProvider, IChatStreamProvider
{
    public const string DefaultVersion = "2023-06-01";

    /// <summary>The base URL a config without <c>base_url</c> should use.</summary>
    public static readonly Uri DefaultBaseUrl = new("https://api.anthropic.com");

    private readonly UpstreamHttpExecutor _executor;

    public AnthropicProvider(UpstreamHttpExecutor executor)
    {
        _executor = executor;
    }

    public string Type => ProviderTypes.Anthropic;

    public async Task<ChatResponse> ChatAsync(ProviderTarget target, ChatRequest request, CancellationToken cancellationToken)
    {
        using var message = CreateRequest(target, AnthropicChatTranslator.ToWire(request, target, stream: false));
        using var response = await _executor.SendAsync(target, message, MapErrors, cancellationToken).ConfigureAwait(false);
        AnthropicResponse? wire;
        try
        {
            wire = await UpstreamJson.DeserializeAsync(response.Content, AnthropicJsonContext.Default.AnthropicResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream answer was cut off or is not valid JSON.", (int)response.StatusCode);
        }

        return AnthropicChatTranslator.FromWire(wire ?? throw UpstreamHttpExecutor.Failure(target, ErrorCodes.UpstreamError, "The upstream answered with an empty body.", (int)response.StatusCode));
    }

    public async IAsyncEnumerable<ChatStreamEvent> StreamChatAsync(
        ProviderTarget target,
        ChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = CreateRequest(target, AnthropicChatTranslator.ToWire(request, target, stream: true));

        // Status and error bodies are dealt with here, before the first event is yielded.
        using var response = await _executor.SendAsync(target, message, MapErrors, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var events = AnthropicStreamParser.ParseAsync(SseReader.ReadEventsAsync(body, cancellationToken), cancellationToken);
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

    /// <summary>The messages URL; a base_url that already ends in /v1 is accepted as well.</summary>
    internal static Uri MessagesUrl(Uri baseUrl)
    {
        var root = baseUrl.AbsoluteUri.TrimEnd('/');
        return root.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)
            ? new Uri(root + "/messages")
            : new Uri(root + "/v1/messages");
    }

    private static HttpRequestMessage CreateRequest(ProviderTarget target, AnthropicRequest wire)
    {
        var content = new ByteArrayContent(AnthropicChatTranslator.Serialize(wire));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, MessagesUrl(target.BaseUrl)) { Content = content };
        if (target.ApiKey is { } key)
        {
            message.Headers.TryAddWithoutValidation("x-api-key", key.Reveal());
        }

        message.Headers.TryAddWithoutValidation("anthropic-version", target.Setting("anthropic_version") ?? DefaultVersion);
        if (target.Setting("anthropic_beta") is { Length: > 0 } beta)
        {
            message.Headers.TryAddWithoutValidation("anthropic-beta", beta);
        }

        if (wire.Stream == true)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return message;
    }

    private static ScaiGridException MapErrors(ProviderTarget target, int status, string body, int? retryAfter) =>
        AnthropicErrors.FromResponse(status, body, retryAfter, target.ApiKey);
}
