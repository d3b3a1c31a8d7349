using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Gemini;

namespace ScaiGrid.Providers.Tests.Gemini;

public sealed class GeminiErrorsTests
{
    [Theory]
    [InlineData(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \\\"foo\\\"", "UPSTREAM_BAD_REQUEST", false)]
    [InlineData(400, "INVALID_ARGUMENT", "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).", "CONTEXT_LENGTH_EXCEEDED", false)]
    [InlineData(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "UPSTREAM_AUTH_FAILED", false)]
    [InlineData(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", "UPSTREAM_AUTH_FAILED", false)]
    [InlineData(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers", "UPSTREAM_AUTH_FAILED", false)]
    [InlineData(404, "NOT_FOUND", "models/gemini-nope is not found for API version v1beta", "UPSTREAM_ERROR", false)]
    [InlineData(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota", "UPSTREAM_RATE_LIMITED", true)]
    [InlineData(500, "INTERNAL", "An internal error has occurred.", "UPSTREAM_ERROR", true)]
    [InlineData(503, "UNAVAILABLE", "The model is overloaded.", "UPSTREAM_ERROR", true)]
    [InlineData(504, "DEADLINE_EXCEEDED", "Deadline exceeded", "UPSTREAM_ERROR", true)]
    public void FromResponse_StatusAndRpcStatus_MapToCodeAndRetryability(int status, string rpcStatus, string message, string code, bool retryable)
    {
        var body = $$$"""{"error":{"code":{{{status}}},"message":"{{{message}}}","status":"{{{rpcStatus}}}"}}""";

        var ex = GeminiErrors.FromResponse(status, body, null);

        Assert.Equal(code, ex.Code.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.Equal(retryable, details.Retryable);
        Assert.Equal(rpcStatus, details.UpstreamCode);
        Assert.Equal(status, details.UpstreamStatus);
        Assert.Equal(ProviderTypes.Google, details.Provider);
    }

    [Fact]
    public void FromResponse_RetryInfoDetail_BecomesRetryAfterSeconds()
    {
        const string body = """
            {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[
              {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},
              {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"10.689924287s"}]}}
            """;

        Assert.Equal(11, GeminiErrors.FromResponse(429, body, null).RetryAfterSeconds);
        Assert.Equal(3, GeminiErrors.FromResponse(429, body, 3).RetryAfterSeconds);
    }

    [Fact]
    public void FromResponse_ArrayWrappedEnvelope_IsParsed()
    {
        var ex = GeminiErrors.FromResponse(400, """[{"error":{"code":400,"message":"The input token count (5) exceeds the maximum number of tokens allowed (4).","status":"INVALID_ARGUMENT"}}]""", null);

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
    }

    [Fact]
    public void FromResponse_MessageEchoingTheKey_IsScrubbed()
    {
        var ex = GeminiErrors.FromResponse(400, """{"error":{"code":400,"message":"API key not valid: AIzaSecret","status":"INVALID_ARGUMENT"}}""", null, new Secret("AIzaSecret"));

        Assert.DoesNotContain("AIzaSecret", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AIzaSecret", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamMessage, StringComparison.Ordinal);
    }
}
