// The plain forwarder issue 8 describes: parse the body into a JsonNode, re-serialise it, send it with
// HttpClient, copy the answer back. Nothing else — it is the yardstick for what ASP.NET Core and
// HttpClient themselves cost on this machine.
using System.Text.Json.Nodes;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var upstream = builder.Configuration["upstream"] ?? "http://127.0.0.1:18081";
var app = builder.Build();
var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = new Uri(upstream) };

app.MapPost("/v1/chat/completions", async (HttpContext context) =>
{
    var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent(body!.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
    };
    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
    context.Response.StatusCode = (int)response.StatusCode;
    context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
    await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
});

app.Run();
