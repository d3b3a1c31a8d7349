using System.Collections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScaiGrid.Core.Storage;

namespace ScaiGrid.Core.RequestIds;

/// <summary>
/// The first step of every request: keep a well-formed incoming <c>X-Request-ID</c> or make one, put it
/// in the response header and in a logging scope so every log line of the request carries it. The id is
/// also the request's <see cref="HttpContext.TraceIdentifier"/>, which the error writer reads.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "X-Request-ID";
    private const int MaxLength = 128;

    public Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName];
        var fromClient = incoming.Count == 1 && IsWellFormed(incoming[0]);
        var id = fromClient ? incoming[0]! : Ids.NewSortable("req", DateTimeOffset.UtcNow);
        context.TraceIdentifier = id;
        if (fromClient)
        {
            context.Items[ClientSuppliedKey] = true;
        }

        context.Response.Headers[HeaderName] = id;
        return InvokeInScopeAsync(context, id);
    }

    private static readonly object ClientSuppliedKey = new();

    /// <summary>
    /// The id that keys this request's usage record and budget reservation. It equals the request id when
    /// ScaiGrid made it; a client-supplied id may be reused by the client, so it gets a unique suffix
    /// (<c>{id}~{random}</c>) — otherwise two requests would share one record and undercount spend.
    /// </summary>
    public static string AccountingId(HttpContext context)
    {
        var id = context.TraceIdentifier;
        if (!context.Items.ContainsKey(ClientSuppliedKey))
        {
            return id;
        }

        return (id.Length > 100 ? id[..100] : id) + "~" + Ids.New("u")[2..];
    }

    /// <summary>Letters, digits and <c>._:-</c>, 1–128 characters: safe to echo into headers and logs.</summary>
    public static bool IsWellFormed(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private async Task InvokeInScopeAsync(HttpContext context, string id)
    {
        using (logger.BeginScope(new RequestScope(id)))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    /// <summary>A one-field scope: renders as <c>RequestId:…</c> in text logs and a <c>RequestId</c> property in JSON logs.</summary>
    private sealed class RequestScope(string requestId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "RequestId:" + requestId;
    }
}
