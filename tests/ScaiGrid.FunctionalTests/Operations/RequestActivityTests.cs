using System.Net;
using System.Text;
using ScaiGrid.Testing.Servers;

namespace ScaiGrid.FunctionalTests.Operations;

/// <summary>
/// Without an OTLP endpoint nothing exports traces, so ASP.NET Core must not start a request Activity (it cost
/// ≈ 2 % of a request's CPU). Its visible trace: HttpClient stamps the current Activity's <c>traceparent</c> on
/// every upstream call. Runs in the non-parallel collection because an ActivityListener in another test class
/// (TracingTests) would make ASP.NET Core start activities process-wide while it listens.
/// </summary>
[Collection(ProcessWideMetricsCollection.Name)]
public sealed class RequestActivityTests
{
    [Fact]
    public async Task WithoutOtlpEndpoint_UpstreamCallCarriesNoTraceparent()
    {
        await using var gateway = await GatewayWithFakes.StartAsync();

        using var response = await gateway.Client.PostAsync(
            "/v1/inference/chat",
            new StringContent("""{"model":"test/openai","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(gateway.OpenAI.LastRequest.Header("authorization"));
        Assert.Null(gateway.OpenAI.LastRequest.Header("traceparent"));
    }
}
