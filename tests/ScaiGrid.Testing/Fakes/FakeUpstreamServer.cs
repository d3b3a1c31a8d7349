using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ScaiGrid.Testing.Fakes;

/// <summary>What a fake upstream does with the next request. Fakes speak their provider's exact wire format.</summary>
public sealed record FakeScenario
{
    public FakeScenarioKind Kind { get; init; } = FakeScenarioKind.Text;

    /// <summary>The assistant text (split into several stream chunks when streaming).</summary>
    public string Text { get; init; } = "Hello from the fake upstream.";

    public string ToolName { get; init; } = "get_weather";

    /// <summary>Tool-call arguments as a JSON object string.</summary>
    public string ToolArguments { get; init; } = """{"city":"Amsterdam"}""";

    /// <summary>HTTP status for <see cref="FakeScenarioKind.Error"/>.</summary>
    public int Status { get; init; } = 500;

    /// <summary>Retry-After seconds sent with an error (429/503), when set.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Provider-specific error type/code string, e.g. <c>context_length_exceeded</c>.</summary>
    public string? ErrorCode { get; init; }

    public string ErrorMessage { get; init; } = "The fake upstream failed as scripted.";

    /// <summary>Delay between stream chunks (slow stream) or before answering (timeout).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.Zero;

    public int InputTokens { get; init; } = 12;

    public int OutputTokens { get; init; } = 7;

    /// <summary>How many text chunks a streamed answer is cut into.</summary>
    public int Chunks { get; init; } = 3;

    public static FakeScenario Fail(int status, int? retryAfter = null, string? code = null, string? message = null) =>
        new() { Kind = FakeScenarioKind.Error, Status = status, RetryAfterSeconds = retryAfter, ErrorCode = code, ErrorMessage = message ?? "The fake upstream failed as scripted." };
}

public enum FakeScenarioKind
{
    /// <summary>A plain text answer.</summary>
    Text,

    /// <summary>The assistant calls <see cref="FakeScenario.ToolName"/>.</summary>
    ToolCall,

    /// <summary>An error status with the provider's error body.</summary>
    Error,

    /// <summary>Waits <see cref="FakeScenario.Delay"/> before any byte (a first-byte timeout).</summary>
    Hang,

    /// <summary>Streams with <see cref="FakeScenario.Delay"/> between chunks, for disconnect and drain tests.</summary>
    SlowStream,

    /// <summary>Closes the connection mid-stream after the first chunk.</summary>
    DropMidStream,
}

/// <summary>One request a fake received, kept for assertions on the exact upstream shape.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (random port) that plays one provider. Scenarios are queued with
/// <see cref="Enqueue"/>; when the queue is empty <see cref="DefaultScenario"/> answers.
/// </summary>
public abstract class FakeUpstreamServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<FakeScenario> _scenarios = new();
    private WebApplication? _app;
    private int _calls;
    private int _aborted;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Requests that reached a model endpoint (chat, embeddings), not counting model listings.</summary>
    public int CallCount => Volatile.Read(ref _calls);

    /// <summary>Requests whose client (ScaiGrid) went away before the fake finished answering.</summary>
    public int AbortedCount => Volatile.Read(ref _aborted);

    /// <summary>When the most recent abort was seen.</summary>
    public DateTimeOffset? LastAbortAt { get; private set; }

    public FakeScenario DefaultScenario { get; set; } = new();

    public void Enqueue(params FakeScenario[] scenarios)
    {
        foreach (var s in scenarios)
        {
            _scenarios.Enqueue(s);
        }
    }

    public RecordedRequest LastRequest => Requests.Last();

    public async Task<FakeUpstreamServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        MapRoutes(_app);
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Maps the provider's routes; handlers call <see cref="BeginAsync"/> first.</summary>
    protected abstract void MapRoutes(WebApplication app);

    /// <summary>Records the request, counts it, watches for aborts, and returns the scenario to play.</summary>
    protected async Task<(RecordedRequest Request, FakeScenario Scenario)> BeginAsync(HttpContext context, bool countsAsCall = true)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, body);
        Requests.Enqueue(recorded);
        if (countsAsCall)
        {
            Interlocked.Increment(ref _calls);
        }

        context.RequestAborted.Register(() =>
        {
            LastAbortAt = DateTimeOffset.UtcNow;
            Interlocked.Increment(ref _aborted);
        });
        var scenario = _scenarios.TryDequeue(out var s) ? s : DefaultScenario;
        if (scenario.Kind == FakeScenarioKind.Hang)
        {
            await Task.Delay(scenario.Delay, context.RequestAborted).ConfigureAwait(false);
        }

        return (recorded, scenario);
    }

    /// <summary>Splits text into about <paramref name="chunks"/> pieces for streaming.</summary>
    protected static IEnumerable<string> Split(string text, int chunks)
    {
        var size = Math.Max(1, (int)Math.Ceiling(text.Length / (double)Math.Max(1, chunks)));
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    /// <summary>Writes one SSE frame and flushes it so the client sees it at once.</summary>
    protected static async Task WriteSseAsync(HttpResponse response, string? eventName, string data, CancellationToken cancellationToken)
    {
        var frame = eventName is null ? $"data: {data}\n\n" : $"event: {eventName}\ndata: {data}\n\n";
        await response.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    protected static void StartSse(HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
    }

    protected static async Task WriteJsonAsync(HttpResponse response, int status, object body, int? retryAfter = null)
    {
        response.StatusCode = status;
        if (retryAfter is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json";
        await response.WriteAsync(JsonSerializer.Serialize(body)).ConfigureAwait(false);
    }

    /// <summary>Ends the connection abruptly (no final chunk), as a crashing upstream would.</summary>
    protected static void Drop(HttpContext context) => context.Abort();
}
