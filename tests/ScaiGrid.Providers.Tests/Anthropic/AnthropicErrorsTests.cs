using ScaiGrid.Abstractions.Errors;
using ScaiGrid.Abstractions.Providers;
using ScaiGrid.Providers.Anthropic;

namespace ScaiGrid.Providers.Tests.Anthropic;

public sealed class AnthropicErrorsTests
{
    [Theory]
    [InlineData(400, "invalid_request_error", "messages: roles must alternate", "UPSTREAM_BAD_REQUEST", false)]
    [InlineData(400, "invalid_request_error", "prompt is too long: 208656 tokens > 200000 maximum", "CONTEXT_LENGTH_EXCEEDED", false)]
    [InlineData(401, "authentication_error", "invalid x-api-key", "UPSTREAM_AUTH_FAILED", false)]
    [InlineData(403, "permission_error", "no access", "UPSTREAM_AUTH_FAILED", false)]
    [InlineData(404, "not_found_error", "model: claude-nope", "UPSTREAM_ERROR", false)]
    [InlineData(413, "request_too_large", "Request exceeds the maximum size", "CONTEXT_LENGTH_EXCEEDED", false)]
    [InlineData(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", "UPSTREAM_RATE_LIMITED", true)]
    [InlineData(500, "api_error", "Internal server error", "UPSTREAM_ERROR", true)]
    [InlineData(529, "overloaded_error", "Overloaded", "UPSTREAM_ERROR", true)]
    public void FromResponse_StatusAndType_MapToCodeAndRetryability(int status, string type, string message, string code, bool retryable)
    {
        var body = $$"""{"type":"error","error":{"type":"{{type}}","message":"{{message}}"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""";

        var ex = AnthropicErrors.FromResponse(status, body, null);

        Assert.Equal(code, ex.Code.Code);
        var details = Assert.IsType<UpstreamErrorDetails>(ex.Details);
        Assert.Equal(retryable, details.Retryable);
        Assert.Equal(status, details.UpstreamStatus);
        Assert.Equal(type, details.UpstreamCode);
        Assert.Equal(message, details.UpstreamMessage);
        Assert.Equal(ProviderTypes.Anthropic, details.Provider);
    }

    [Fact]
    public void FromResponse_429WithRetryAfter_CarriesSeconds()
    {
        var ex = AnthropicErrors.FromResponse(429, """{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}""", 30);

        Assert.Equal(30, ex.RetryAfterSeconds);
    }

    [Fact]
    public void FromResponse_NonJsonBody_KeepsStatusMappingAndTextAsMessage()
    {
        var ex = AnthropicErrors.FromResponse(413, "<html><body>413 Request Entity Too Large</body></html>", null);

        Assert.Equal(ErrorCodes.ContextLengthExceeded, ex.Code);
        Assert.Contains("413 Request Entity Too Large", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void FromResponse_MessageEchoingTheKey_IsScrubbed()
    {
        var ex = AnthropicErrors.FromResponse(401, """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-secret"}}""", null, new Secret("sk-ant-secret"));

        Assert.DoesNotContain("sk-ant-secret", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-ant-secret", Assert.IsType<UpstreamErrorDetails>(ex.Details).UpstreamMessage, StringComparison.Ordinal);
    }
}
